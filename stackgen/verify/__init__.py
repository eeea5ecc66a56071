"""Stage 5: sample cases through an engine, compared with golden documents, reported."""
from stackgen.verify.runner import verify

__all__ = ["verify"]
