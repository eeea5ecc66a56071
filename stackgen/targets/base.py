"""Stage 3: what every target returns: artifacts (a relative path and its text)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Artifact:
    """One rendered file, not yet written: the caller decides where and whether to write it."""

    path: str
    content: str


def to_json(data: object) -> str:
    """Stable JSON text: sorted keys are not used, so processor order and key order stay readable."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def painless_string(text: str) -> str:
    """A Painless single-quoted string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def painless_field(name: str) -> str:
    """Access to a top-level temporary field of the ingest document."""
    return f"ctx.{name}"


def kql_string(value: str) -> str:
    """A KQL quoted string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kql(filters: tuple[tuple[str, tuple[str, ...]], ...], literal: Callable[[str, str], str] | None = None) -> str:
    """The KQL text of a filter: fields ANDed, values of one field ORed; `literal(field, value)`
    writes a value (default: quoted)."""
    parts = []
    for field, values in filters:
        inner = " or ".join(literal(field, v) if literal else kql_string(v) for v in values)
        parts.append(f"{field} : {inner}" if len(values) == 1 else f"{field} : ({inner})")
    return " and ".join(parts)
