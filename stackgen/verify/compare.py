"""Stage 5b: comparing documents: normalisation, field checks, and want/got diffs.

Dates are compared as instants (Elasticsearch writes the processor's offset, Logstash and the
local engine write UTC). Numbers compare numerically (1 equals 1.0) but booleans stay booleans.
"""
from __future__ import annotations

import difflib
import json

from stackgen.model.nodes import FieldType, LogModel
from stackgen.model.timefmt import normalize_instant


def _walk(doc: dict, prefix: str = ""):
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not key.startswith("@"):
            yield from _walk(value, path)
        else:
            yield path, value


def lookup(doc: dict, path: str):
    """The value at a dotted document path, or None."""
    node = doc
    for part in [path] if path.startswith("@") else path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _drop(doc: dict, path: str) -> None:
    parts = [path] if path.startswith("@") else path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node.pop(parts[-1], None)


def _set(doc: dict, path: str, value) -> None:
    parts = [path] if path.startswith("@") else path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def _prune(doc: dict) -> dict:
    return {k: (_prune(v) if isinstance(v, dict) else v) for k, v in doc.items()
            if not (isinstance(v, dict) and not _prune(v))}


def normalize(model: LogModel, doc: dict) -> dict:
    """A document ready for comparison: volatile fields dropped, dates as UTC instants."""
    doc = json.loads(json.dumps(doc))
    for path in model.volatile_fields:
        _drop(doc, path)
    dates = {v.target for v in model.values if v.type is FieldType.DATE}
    for path, value in list(_walk(doc)):
        if path in dates and isinstance(value, str):
            try:
                _set(doc, path, normalize_instant(value))
            except ValueError:
                pass
    return _prune(doc)


_JSON_TYPES = {
    FieldType.KEYWORD: (str,), FieldType.TEXT: (str,), FieldType.IP: (str,), FieldType.DATE: (str,),
    FieldType.INTEGER: (int,), FieldType.LONG: (int,), FieldType.FLOAT: (int, float),
    FieldType.DOUBLE: (int, float), FieldType.BOOLEAN: (bool,),
}


def check_fields(model: LogModel, doc: dict) -> list[str]:
    """Problems with a document against the model: undeclared fields and wrong JSON types."""
    declared = model.document_fields()
    limits = model.keyword_limits()
    arrays = {"tags", *(v.target for v in model.values if v.split)}
    problems = []
    for path, value in _walk(doc):
        kind = declared.get(path)
        if kind is None:
            problems.append(f"field {path!r} is not declared by the schema")
            continue
        items = value if isinstance(value, list) and path in arrays else [value]
        for item in items:
            ok = isinstance(item, _JSON_TYPES[kind]) and not (isinstance(item, bool) and kind is not FieldType.BOOLEAN)
            if not ok:
                problems.append(f"field {path!r} holds {item!r}, not a {kind.value}")
            elif isinstance(item, str) and len(item) > limits.get(path, len(item)):
                # Elasticsearch keeps it in _source but does not index it (7.10 does not even say so
                # in _ignored): a search or a panel would miss the document
                problems.append(f"field {path!r} holds {len(item):,} characters, over its ignore_above "
                                f"({limits[path]}): not searchable; raise the value's ignore_above or make it text")
    return problems


def _canon(value):
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pretty(doc) -> list[str]:
    return json.dumps(_canon(doc), indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def diff_documents(want: list, got: list, label: str) -> str:
    """An empty string when equal, else a unified want/got diff per differing document."""
    chunks = []
    if len(want) != len(got):
        chunks.append(f"{label}: expected {len(want)} documents, got {len(got)}")
    for i in range(max(len(want), len(got))):
        a = _canon(want[i]) if i < len(want) else None
        b = _canon(got[i]) if i < len(got) else None
        if json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True):
            continue
        lines = difflib.unified_diff(_pretty(a), _pretty(b), f"want {label}[{i}]", f"got {label}[{i}]", lineterm="")
        chunks.append("\n".join(lines))
    return "\n".join(chunks)
