"""Errors and exit codes shared by every stage.

User-input problems are `Diagnostic` records (file:line:col, schema path, stable code) gathered
into one `SchemaError`; environment problems are `EnvironmentProblem`. Only `cli.py` turns them
into exit codes.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Process exit status of every stackgen command."""

    OK = 0
    MISMATCH = 1  # documents differ from the goldens, or rendered files are stale
    USAGE = 2  # bad flags or a bad schema
    ENVIRONMENT = 3  # Java/Maven missing, engine unreachable, engine failure
    INTERRUPTED = 130


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a user's input, pointing at where it is."""

    file: str
    line: int
    col: int
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.file}:{self.line}:{self.col}: {self.code}{where}: {self.message}"


class StackgenError(Exception):
    """Base of every error stackgen reports to a user without a traceback."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(StackgenError):
    """A command was called with arguments that cannot work."""


class SchemaError(StackgenError):
    """A schema has one or more problems; all of them are listed."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__(self.format())

    def format(self, limit: int = 200) -> str:
        shown = [f"[{i}] {d}" for i, d in enumerate(self.diagnostics[:limit], 1)]
        rest = len(self.diagnostics) - limit
        if rest > 0:
            shown.append(f"... and {rest} more")
        count = len(self.diagnostics)
        head = f"{count} problem{'s' if count != 1 else ''} in the schema:"
        return "\n".join([head, *shown])


class EnvironmentProblem(StackgenError):
    """Something outside the user's input is missing or failing (Java, Maven, an engine)."""

    exit_code = ExitCode.ENVIRONMENT


class EngineError(EnvironmentProblem):
    """An engine answered with an error that is not a document mismatch."""
