"""Stage 3: the Logstash pipeline (beats in, Elasticsearch out).

The filter mirrors the ingest pipeline step for step, with the same grok strings from the model's
lowering: an anchored head grok, a per-variant grok chosen by conditionals on the discriminator,
dates with an explicit timezone, conversions of values the patterns already validated, failure
tags that keep the event, and the original text kept on failure. Credentials and hosts are
`${VAR}` references resolved by Logstash from its environment or keystore, never literals.
"""
from __future__ import annotations

from stackgen.model import grok
from stackgen.model.nodes import FAILURE_TAGS, FieldType, LogModel, ORIGINAL_FIELD, TAG_DATE, TAG_GROK, TAG_VALUE
from stackgen.resources import logstash_string, render_template
from stackgen.targets.base import Artifact

NAME = "logstash"
_CONVERT = {FieldType.INTEGER: "integer", FieldType.LONG: "integer", FieldType.FLOAT: "float",
            FieldType.DOUBLE: "float"}


def _condition(field: str, keys: tuple[str, ...]) -> str:
    # `in [...]` with a single element is a substring test in Logstash: use == for one key.
    if len(keys) == 1:
        return f"[{field}] == {logstash_string(keys[0])}"
    return f"[{field}] in [" + ", ".join(logstash_string(k) for k in keys) + "]"


def context(model: LogModel) -> dict:
    """Everything the template needs, computed from the model."""
    lowered = grok.lower(model)
    branches = []
    if model.discriminator:
        field = grok.capture(model.discriminator)
        for group in lowered.groups:
            branches.append({"condition": _condition(field, group.keys), "group": group, "id": group.keys[0]})
    values = []
    for value in model.values:
        values.append({
            "value": value,
            "capture": grok.capture(value.name),
            "convert": _CONVERT.get(value.type),
            "is_date": value.type is FieldType.DATE,
            "is_bool": value.type is FieldType.BOOLEAN,
            "true_condition": _condition(grok.capture(value.name), value.true_values) if value.true_values else "",
            "false_condition": _condition(grok.capture(value.name), value.false_values) if value.false_values else "",
        })
    checked = [v for v in model.values if v.type.is_checked]
    bad_checks = [
        (tag, " or ".join(f"[{grok.bad(v.name)}]" for v in members))
        for tag, members in ((TAG_DATE, [v for v in checked if v.type is FieldType.DATE]),
                             (TAG_VALUE, [v for v in checked if v.type is not FieldType.DATE]))
        if members
    ]
    return {
        "model": model,
        "lowered": lowered,
        "rest": grok.REST,
        "branches": branches,
        "values": values,
        "bad_checks": bad_checks,
        "failed": " or ".join(f'"{t}" in [tags]' for t in FAILURE_TAGS),
        "original": ORIGINAL_FIELD,
        "tag_grok": TAG_GROK,
        "tag_date": TAG_DATE,
        "temporary": ["message", *lowered.captures],
    }


def render(model: LogModel) -> list[Artifact]:
    text = render_template("logstash/pipeline.conf.j2", **context(model))
    return [Artifact(f"logstash/pipeline/{model.name}.conf", text)]
