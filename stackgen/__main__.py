"""`python -m stackgen` runs the command line."""
import sys

from stackgen.cli import main

sys.exit(main())
