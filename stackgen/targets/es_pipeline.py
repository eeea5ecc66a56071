"""Stage 3: the Elasticsearch ingest pipeline (Filebeat → Elasticsearch without Logstash).

Processor order is the model's execution order, which the local engine follows too: head grok,
one grok per variant field list selected by the discriminator, then each value's label, type
conversion and placement, then failure tags, the original text, and removal of temporary fields.
Every processor carries a `tag` naming what it does, so failures and coverage point at the schema.
"""
from __future__ import annotations

from stackgen.model import grok
from stackgen.model.nodes import (FAILURE_TAGS, FieldType, LogModel, ORIGINAL_FIELD, TAG_DATE, TAG_GROK,
                                  TAG_VALUE, Value)
from stackgen.targets.base import Artifact, painless_field, painless_string, to_json

NAME = "es_pipeline"
PATH = "elasticsearch/ingest-pipeline.json"
_CONVERT = {FieldType.INTEGER: "integer", FieldType.LONG: "long", FieldType.FLOAT: "double",
            FieldType.DOUBLE: "double"}


def _append_tag(tag: str, condition: str | None = None, label: str = "") -> dict:
    body: dict = {"field": "tags", "value": [tag], "allow_duplicates": False}
    if condition:
        body["if"] = condition
    if label:
        body["tag"] = label
    return {"append": body}


def _in(keys: tuple[str, ...], field: str) -> str:
    if len(keys) == 1:
        return f"{painless_field(field)} == {painless_string(keys[0])}"
    return "[" + ", ".join(painless_string(k) for k in keys) + f"].contains({painless_field(field)})"


def _variant_processors(model: LogModel, lowered: grok.Lowered) -> list[dict]:
    if not model.discriminator:
        return [_rest_processor(lowered.default, None, lowered, "variant:*")]
    field = grok.capture(model.discriminator)
    out = []
    for group in lowered.groups:
        out.append(_rest_processor(group, _in(group.keys, field), lowered, f"variant:{group.keys[0]}"))
    known = sorted(model.variant_keys)
    condition = f"!{_in(tuple(known), field)}" if known else None
    out.append(_rest_processor(lowered.default, condition, lowered, "variant:*"))
    return out


def _rest_processor(group: grok.VariantGroup, condition: str | None, lowered: grok.Lowered, label: str) -> dict:
    rest = painless_field(grok.REST)
    if group.pattern is None:
        cond = f"{rest} != null" + (f" && {condition}" if condition else "")
        return _append_tag(TAG_GROK, cond, label)
    body = {
        "field": grok.REST,
        "patterns": [group.pattern],
        "pattern_definitions": lowered.definitions_for(group.pattern),
        "tag": label,
        "on_failure": [_append_tag(TAG_GROK)],
    }
    if condition:
        body["if"] = condition
    return {"grok": body}


def _value_processors(value: Value) -> list[dict]:
    source = grok.capture(value.name)
    out: list[dict] = []
    for key, label in value.labels:
        out.append({"set": {"field": value.label_target, "value": label,
                            "if": f"{painless_field(source)} == {painless_string(key)}",
                            "tag": f"label:{value.name}"}})
    tag = f"value:{value.name}"
    if value.type in _CONVERT:
        # The condition is not redundant with ignore_missing: a convert whose field is missing
        # costs ~6 us in Elasticsearch 7.10, the condition ~0.5 us (benchmarks/ingest_throughput.py).
        out.append({"convert": {"field": source, "target_field": value.target, "type": _CONVERT[value.type],
                                "ignore_missing": True, "if": f"{painless_field(source)} != null", "tag": tag}})
    elif value.type is FieldType.BOOLEAN:
        for truth, tokens in ((True, value.true_values), (False, value.false_values)):
            if tokens:
                out.append({"set": {"field": value.target, "value": truth,
                                    "if": _in(tuple(tokens), source), "tag": tag}})
    elif value.type is FieldType.DATE:
        out.append({"date": {"field": source, "target_field": value.target, "formats": [value.date_format],
                             "timezone": value.timezone, "if": f"{painless_field(source)} != null",
                             "tag": tag, "on_failure": [_append_tag(TAG_DATE)]}})
    else:
        out.append({"rename": {"field": source, "target_field": value.target, "ignore_missing": True, "tag": tag}})
    return out


def _bad_condition(values: list[Value]) -> str:
    return " || ".join(f"{painless_field(grok.bad(v.name))} != null" for v in values)


def body(model: LogModel) -> dict:
    """The pipeline as the `PUT _ingest/pipeline/<id>` body."""
    lowered = grok.lower(model)
    processors: list[dict] = [{
        "grok": {
            "field": "message",
            "patterns": [lowered.head],
            "pattern_definitions": lowered.definitions_for(lowered.head),
            "tag": "head",
        }
    }]
    processors += _variant_processors(model, lowered)
    for value in model.values:
        processors += _value_processors(value)
    checked = [v for v in model.values if v.type.is_checked]
    for tag, members in ((TAG_DATE, [v for v in checked if v.type is FieldType.DATE]),
                         (TAG_VALUE, [v for v in checked if v.type is not FieldType.DATE])):
        if members:
            processors.append(_append_tag(tag, _bad_condition(members), f"check:{tag}"))
    failed = " || ".join(f"ctx.tags.contains({painless_string(t)})" for t in FAILURE_TAGS)
    keep = {"field": "message", "target_field": ORIGINAL_FIELD, "tag": "original"}
    if model.keep_original != "always":
        keep["if"] = f"ctx.tags != null && ({failed})"
    processors.append({"rename": keep})
    cleanup = {"remove": {"field": ["message", *lowered.captures], "ignore_missing": True, "tag": "cleanup"}}
    processors.append(cleanup)
    return {
        "description": f"stackgen: {model.title} ({model.name})",
        "processors": processors,
        "on_failure": [
            _append_tag(TAG_GROK),
            {"rename": {"field": "message", "target_field": ORIGINAL_FIELD, "ignore_missing": True}},
            {"remove": {"field": list(lowered.captures), "ignore_missing": True}},
        ],
    }


def render(model: LogModel) -> list[Artifact]:
    return [Artifact(PATH, to_json(body(model)))]
