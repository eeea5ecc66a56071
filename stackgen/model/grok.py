"""Stage 2: lowering the model to grok patterns.

Every pattern string a pipeline runs is built here, once, from the model: the Logstash renderer,
the ingest-pipeline renderer and the local engine all take them from `lower()`, so they are the
same strings by construction. Patterns only use syntax Joni (Logstash and Elasticsearch) and the
`regex` package read alike, and never `.` (Logstash compiles it to match newlines, Elasticsearch
does not): multi-line values are matched with character classes, which span newlines in both.

Validation happens inside the pattern: a typed value is an alternation of the declared null
values, the typed form, and a catch-all captured under a separate `__bad` name. So a value that
cannot take its type never reaches a converter (whose leniency differs between engines), the
record still matches, and the `__bad` capture tells every engine to tag the document.
"""
from __future__ import annotations

from dataclasses import dataclass

from stackgen.model.nodes import FieldType, LogModel, Value
from stackgen.model.timefmt import parse_format

CAPTURE_PREFIX = "sg_"
REST = "sg__rest"

_META = set("\\^$.|?*+()[]{}")

_IPV4_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"(?:{_IPV4_OCTET}\.){{3}}{_IPV4_OCTET}"
_H = "[0-9A-Fa-f]{1,4}"
_IPV6 = (
    "(?:"
    rf"(?:{_H}:){{7}}(?:{_H}|:)"
    rf"|(?:{_H}:){{6}}(?::{_H}|%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{5}}(?:(?::{_H}){{1,2}}|:%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{4}}(?:(?::{_H}){{1,3}}|(?::{_H})?:%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{3}}(?:(?::{_H}){{1,4}}|(?::{_H}){{0,2}}:%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{2}}(?:(?::{_H}){{1,5}}|(?::{_H}){{0,3}}:%{{SG_IPV4}}|:)"
    rf"|{_H}:(?:(?::{_H}){{1,6}}|(?::{_H}){{0,4}}:%{{SG_IPV4}}|:)"
    rf"|:(?:(?::{_H}){{1,7}}|(?::{_H}){{0,5}}:%{{SG_IPV4}}|:)"
    ")"
)

# Typed forms. Bounded digit counts keep every accepted string inside the target type's range,
# so no engine's converter can fail or round differently on what the pattern lets through.
BUILTIN: dict[str, str] = {
    "SG_INTEGER": "[+-]?[0-9]{1,9}",
    "SG_LONG": "[+-]?[0-9]{1,18}",
    "SG_DECIMAL": "[+-]?[0-9]{1,15}(?:\\.[0-9]{1,15})?",
    "SG_IPV4": _IPV4,
    "SG_IPV6": _IPV6,
    "SG_IP": "(?:%{SG_IPV6}|%{SG_IPV4})",
}
_TYPE_PATTERN = {
    FieldType.INTEGER: "SG_INTEGER",
    FieldType.LONG: "SG_LONG",
    FieldType.FLOAT: "SG_DECIMAL",
    FieldType.DOUBLE: "SG_DECIMAL",
    FieldType.IP: "SG_IP",
}


def escape(text: str) -> str:
    """A literal for a Joni/`regex` pattern."""
    return "".join("\\" + c if c in _META else c for c in text)


def capture(name: str) -> str:
    return CAPTURE_PREFIX + name


def bad(name: str) -> str:
    return CAPTURE_PREFIX + name + "__bad"


def pattern_name(value: Value, suffix: str) -> str:
    return f"SG_{suffix}_{value.name.upper()}"


@dataclass(frozen=True)
class VariantGroup:
    """Variants sharing one field list, hence one grok pattern over the rest of the record."""

    keys: tuple[str, ...]
    fields: tuple[str, ...]
    pattern: str | None  # None when the variant has no fields: the record must end after the head


@dataclass(frozen=True)
class Lowered:
    """Every pattern the pipelines run, and the capture names they use."""

    definitions: tuple[tuple[str, str], ...]
    head: str
    groups: tuple[VariantGroup, ...]
    default: VariantGroup
    captures: tuple[str, ...]  # every temporary field name a pipeline must remove at the end

    @property
    def definitions_dict(self) -> dict[str, str]:
        return dict(self.definitions)

    def definitions_for(self, pattern: str) -> dict[str, str]:
        """Only the definitions one pattern needs, in name order."""
        every = self.definitions_dict
        return {name: every[name] for name in sorted(_closure(every, references(pattern)))}


def field_class(separator: str) -> str:
    """The raw text of one field: anything that cannot contain the separator."""
    core = separator.strip()
    if len(core) == 1:
        c = core if core not in "\\^]-[" else "\\" + core
        return f"[^{c}]+"
    return f"(?:(?!{escape(separator)})[\\s\\S])+"


def _value_expr(value: Value, defs: dict[str, str]) -> str:
    alts = [escape(n) for n in value.null_values]
    if value.type is FieldType.DATE:
        name = pattern_name(value, "DATE")
        defs[name] = parse_format(value.date_format or "").regex
        alts.append(f"%{{{name}:{capture(value.name)}}}")
    elif value.type is FieldType.BOOLEAN:
        name = pattern_name(value, "BOOL")
        tokens = sorted(set(value.true_values) | set(value.false_values), key=lambda t: (-len(t), t))
        defs[name] = "(?:" + "|".join(escape(t) for t in tokens) + ")"
        alts.append(f"%{{{name}:{capture(value.name)}}}")
    elif value.type in _TYPE_PATTERN:
        alts.append(f"%{{{_TYPE_PATTERN[value.type]}:{capture(value.name)}}}")
    if value.pattern:
        if value.type.is_checked:
            raise AssertionError("the schema validator keeps custom patterns on text values")
        alts.append(f"%{{{value.pattern}:{capture(value.name)}}}")
    elif value.type.is_checked:
        alts.append(f"%{{SG_FIELD:{bad(value.name)}}}")
    else:
        alts.append(f"%{{SG_FIELD:{capture(value.name)}}}")
    return "(?:" + "|".join(alts) + ")?"


def _fields_pattern(model: LogModel, fields: tuple[str, ...], defs: dict[str, str]) -> str:
    sep = escape(model.separator)
    sep_core = escape(model.separator.rstrip())
    trail = model.separator[len(model.separator.rstrip()):]
    parts = ["\\A"]
    for i, name in enumerate(fields):
        expr = _value_expr(model.value(name), defs)
        if i < len(fields) - 1 or not trail:
            parts.append(sep + expr)
        else:
            # Shippers may trim trailing white space: accept the last separator without it.
            parts.append(f"{sep_core}(?:{escape(trail)}{expr})?")
    parts.append("\\z")
    return "".join(parts)


def lower(model: LogModel) -> Lowered:
    """Build the head pattern, one pattern per distinct variant field list, and definitions."""
    defs: dict[str, str] = {"SG_FIELD": field_class(model.separator)}
    head_parts = ["\\A"]
    for i, name in enumerate(model.head):
        if i:
            head_parts.append(escape(model.separator))
        head_parts.append(_value_expr(model.value(name), defs))
    sep_core = escape(model.separator.rstrip())
    head_parts.append(f"(?<{REST}>{sep_core}[\\s\\S]*)?\\z")
    head = "".join(head_parts)

    by_fields: dict[tuple[str, ...], list[str]] = {}
    for variant in model.variants:
        by_fields.setdefault(variant.fields, []).append(variant.key)
    groups = tuple(
        VariantGroup(tuple(keys), fields, _fields_pattern(model, fields, defs) if fields else None)
        for fields, keys in by_fields.items()
    )
    default = VariantGroup(
        (), model.default_fields,
        _fields_pattern(model, model.default_fields, defs) if model.default_fields else None,
    )

    for user_name, user_regex in model.patterns:
        defs.setdefault(user_name, user_regex)
    roots = references(head)
    for group in (*groups, default):
        roots.extend(references(group.pattern or ""))
    every = {**BUILTIN, **defs}
    needed = _closure(every, roots)
    ordered = [(name, every[name]) for name in sorted(needed)]
    captures = [REST]
    for value in model.values:
        captures.append(capture(value.name))
        if value.type.is_checked:
            captures.append(bad(value.name))
    return Lowered(tuple(ordered), head, groups, default, tuple(captures))


def references(regex: str) -> list[str]:
    """Names of the patterns a grok expression refers to with %{NAME} or %{NAME:field}."""
    out = []
    i = regex.find("%{")
    while i >= 0:
        end = regex.find("}", i)
        if end < 0:
            break
        out.append(regex[i + 2:end].split(":", 1)[0])
        i = regex.find("%{", end)
    return out


def _closure(every: dict[str, str], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in every:
            continue
        seen.add(name)
        todo.extend(references(every[name]))
    return seen
