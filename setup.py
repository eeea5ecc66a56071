"""Build hook: the wheel carries the top-level templates/ and compose/ as stackgen/_data/.

The checkout keeps the templates at the top (`stackgen.resources` reads them there, so edits show
without reinstalling); an installed stackgen reads the copies this puts in the package.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TEMPLATE_DIRS = ("templates", "compose")


class BuildWithTemplates(build_py):
    def run(self):
        super().run()
        data = Path(self.build_lib) / "stackgen" / "_data"
        for folder in TEMPLATE_DIRS:
            for source in sorted((ROOT / folder).rglob("*.j2")):
                target = data / folder / source.relative_to(ROOT / folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


setup(cmdclass={"build_py": BuildWithTemplates})
