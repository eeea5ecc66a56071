"""stackgen: one declarative log-format schema in, a working and verified Elastic Stack out.

The public API; the CLI (`stackgen.cli`) is a thin layer over it.

Example:
    >>> import stackgen
    >>> model = stackgen.load_schema("samples/ezcast/schema.yaml")
    >>> docs = stackgen.parse(model, b"2017-11-16-08:12:05 | s | ::1 | jdoe | 1 | view_albums\\n")
    >>> docs[0]["event"]["action"]
    'view_albums'
"""
from __future__ import annotations

from pathlib import Path

from stackgen.engines.framing import frame, frame_stream
from stackgen.engines.local import LocalEngine
from stackgen.errors import ExitCode, SchemaError, StackgenError
from stackgen.model.nodes import LogModel
from stackgen.schema import load_schema, parse_schema
from stackgen.targets import TARGETS, render_all
from stackgen.targets.base import Artifact
from stackgen.verify import verify

__all__ = [
    "Artifact", "ExitCode", "LogModel", "SchemaError", "StackgenError", "TARGETS",
    "load_schema", "parse", "parse_schema", "parse_stream", "render", "verify",
]


def render(model: LogModel, targets: tuple[str, ...] = TARGETS) -> list[Artifact]:
    """Every artifact of the given targets for a model, sorted by path; nothing is written.

    Args:
        model: a model from `load_schema`.
        targets: names from `TARGETS`.
    """
    return render_all(model, targets)


def parse(model: LogModel, data: bytes, engine=None, source: str = "<stdin>") -> list[dict]:
    """Frame log bytes into records and turn each into a document (local engine by default)."""
    engine = engine or LocalEngine(model)
    return engine.documents(frame(model, data, source))


def parse_stream(model: LogModel, stream, engine=None, source: str = "<stdin>", batch: int = 1000):
    """Documents for the records of a binary stream, as they come, in constant memory.

    Records go to the engine `batch` at a time (1 for the local engine: each document at once).
    """
    engine = engine or LocalEngine(model)
    pending: list = []
    for record in frame_stream(model, stream, source):
        pending.append(record)
        if len(pending) >= batch:
            yield from engine.documents(pending)
            pending = []
    if pending:
        yield from engine.documents(pending)


def samples_schema(samples: Path) -> Path:
    """The schema beside a samples directory's logs."""
    for name in ("schema.yaml", "schema.yml"):
        if (samples / name).is_file():
            return samples / name
    raise FileNotFoundError(f"{samples}: no schema.yaml (pass --schema)")
