"""Stage 4c: the local engine, a pure-Python executor of the model.

It runs the lowered grok patterns (the strings the rendered pipelines contain) and then applies
the model's values in the same order as the rendered ingest pipeline, so its documents equal
Elasticsearch's; the agreement tests prove it on every sample record.
"""
from __future__ import annotations

from functools import cached_property

from stackgen.engines.framing import Record
from stackgen.engines.grokregex import compile_grok
from stackgen.model import grok
from stackgen.model.nodes import (FieldType, LogModel, ORIGINAL_FIELD, TAG_DATE, TAG_GROK, TAG_VALUE,
                                  Value)
from stackgen.model.timefmt import format_instant, parse_format


class LocalEngine:
    """Executes a model on records, in process."""

    name = "local"

    def __init__(self, model: LogModel):
        self.model = model
        self.lowered = grok.lower(model)

    @cached_property
    def _compiled(self):
        defs = self.lowered.definitions_dict
        head = compile_grok(self.lowered.head, defs)
        by_key = {}
        for group in self.lowered.groups:
            compiled = compile_grok(group.pattern, defs) if group.pattern else None
            for key in group.keys:
                by_key[key] = (group, compiled)
        default = self.lowered.default
        default_compiled = compile_grok(default.pattern, defs) if default.pattern else None
        formats = {v.name: parse_format(v.date_format) for v in self.model.values if v.type is FieldType.DATE}
        return head, by_key, (default, default_compiled), formats

    def documents(self, records: list[Record]) -> list[dict]:
        return [self.run(record.text) for record in records]

    def grok_steps(self, text: str) -> list[tuple[str, str, dict | None]]:
        """Each grok this record goes through: (pattern, input, captures or None if no match)."""
        head, by_key, default, _ = self._compiled
        match = head.match(text)
        steps = [(self.lowered.head, text, _captures(match))]
        if match is None:
            return steps
        rest = match.group(grok.REST)
        key = match.group(grok.capture(self.model.discriminator)) if self.model.discriminator else None
        group, compiled = by_key.get(key, default)
        if compiled is not None and rest is not None:
            steps.append((group.pattern, rest, _captures(compiled.match(rest))))
        return steps

    def run(self, text: str) -> dict:
        """The document for one record."""
        head, by_key, default, formats = self._compiled
        model = self.model
        doc: dict = {}
        tags: list[str] = []
        match = head.match(text)
        if match is None:
            _tag(tags, TAG_GROK)
            return self._finish(doc, tags, text)
        caps = _captures(match)
        rest = caps.pop(grok.REST, None)
        key = caps.get(grok.capture(model.discriminator)) if model.discriminator else None
        _, compiled = by_key.get(key, default)
        if compiled is None:
            if rest is not None:
                _tag(tags, TAG_GROK)
        elif rest is None:
            _tag(tags, TAG_GROK)
        else:
            tail = compiled.match(rest)
            if tail is None:
                _tag(tags, TAG_GROK)
            else:
                caps.update(_captures(tail))
        for value in model.values:
            raw = caps.get(grok.capture(value.name))
            if raw is None:
                continue
            for label_key, label in value.labels:
                if raw == label_key:
                    _put(doc, value.label_target, label)
            converted = self._convert(value, raw, formats)
            if converted is None:
                _tag(tags, TAG_DATE)
            else:
                _put(doc, value.target, converted)
        bad = {v.type is FieldType.DATE for v in model.values if grok.bad(v.name) in caps}
        if True in bad:
            _tag(tags, TAG_DATE)
        if False in bad:
            _tag(tags, TAG_VALUE)
        return self._finish(doc, tags, text)

    def _finish(self, doc: dict, tags: list[str], text: str) -> dict:
        if tags or self.model.keep_original == "always":
            _put(doc, ORIGINAL_FIELD, text)
        if tags:
            doc["tags"] = tags
        return doc

    @staticmethod
    def _convert(value: Value, raw: str, formats):
        """The typed value; None only for a date the calendar rejects (Feb 30, DST handled)."""
        kind = value.type
        if kind in (FieldType.INTEGER, FieldType.LONG):
            return int(raw)
        if kind in (FieldType.FLOAT, FieldType.DOUBLE):
            return float(raw)
        if kind is FieldType.BOOLEAN:
            return raw in value.true_values
        if kind is FieldType.DATE:
            try:
                return format_instant(formats[value.name].parse(raw, value.timezone))
            except ValueError:
                return None
        return raw


def _captures(match) -> dict | None:
    if match is None:
        return None
    return {k: v for k, v in match.groupdict().items() if v is not None}


def _tag(tags: list[str], tag: str) -> None:
    if tag not in tags:
        tags.append(tag)


def _put(doc: dict, path: str, value) -> None:
    if path.startswith("@"):
        doc[path] = value
        return
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
