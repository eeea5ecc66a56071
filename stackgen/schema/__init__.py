"""Stage 1: schema files to the typed model (`load_schema`), with every problem listed."""
from __future__ import annotations

from pathlib import Path

from stackgen.errors import Diagnostic, SchemaError
from stackgen.model.nodes import LogModel
from stackgen.schema.validate import SchemaReader
from stackgen.schema.yamlnodes import load_nodes


def parse_schema(text: str, file: str = "<schema>") -> LogModel:
    """Validate schema text and build its model; raise SchemaError listing every problem."""
    root, problems = load_nodes(text, file)
    if root is None:
        raise SchemaError(problems)
    reader = SchemaReader(file)
    model = reader.read(root)
    problems = problems + reader.problems
    if problems or model is None:
        raise SchemaError(problems or [Diagnostic(file, 1, 1, "SG004", "", "the schema is incomplete")])
    return model


def load_schema(path: str | Path) -> LogModel:
    """Read and validate a schema file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError([Diagnostic(str(path), 1, 1, "SG000", "", "no such schema file")]) from None
    except IsADirectoryError:
        raise SchemaError([Diagnostic(str(path), 1, 1, "SG000", "", "is a directory, not a schema file")]) from None
    except UnicodeDecodeError as exc:
        raise SchemaError([Diagnostic(str(path), 1, 1, "SG001", "", f"not UTF-8 text: {exc}")]) from None
    return parse_schema(text, str(path))
