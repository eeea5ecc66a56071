"""Stage 6: `stackgen detect`: the schema's rules run over replayed records, alerts out.

`alerts(model, records, engine)` parses the records with the engine, then runs the rules: the
local engine interprets them as automata (`automata`), the Elasticsearch engines as queries and
aggregations over the documents they indexed (`elastic`). Classifier rules run in stackgen on
both (no engine classifies). An alert is printed as one JSON object:
`{"rule", "key": {field: value}, "start", "end", "count"}`, in time order.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from functools import lru_cache

from stackgen.detect.automata import Alert, Event, Fields, ordered, run
from stackgen.engines.framing import Record
from stackgen.model.detections import Classified, NewValue
from stackgen.model.nodes import LogModel
from stackgen.verify.compare import lookup

__all__ = ["Alert", "alerts", "dumps", "events", "to_json"]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@lru_cache(maxsize=4096)
def millis(text) -> int | None:
    """Epoch milliseconds of a document's time (an ISO 8601 text), None when it has none."""
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def instant(ms: int) -> str:
    value = EPOCH + dt.timedelta(milliseconds=ms)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def needed(model: LogModel) -> tuple[str, ...]:
    """The document fields the runnable rules read (an event keeps only these)."""
    out: set[str] = set()
    for detection in model.detections:
        rule = detection.rule
        for flt in [getattr(rule, "filter", ()), *(step.filter for step in getattr(rule, "steps", ()))]:
            out.update(field for field, _ in flt)
        out.update(getattr(rule, "group_by", ()))
        if isinstance(rule, NewValue):
            out.add(rule.field)
    return tuple(sorted(out))


def events(model: LogModel, parsed: Iterable[tuple[Record, dict]]) -> list[Event]:
    """The documents that have a time, in time order (ties in replay order), each cut to the fields
    the rules read (and its record's text only when a classifier reads it)."""
    keep_text = any(isinstance(d.rule, Classified) for d in model.detections)
    extract, time_field = Fields(model, needed(model)).extract, model.time_field
    out = []
    for offset, (record, doc) in enumerate(parsed):
        time = millis(doc.get(time_field) if time_field in doc else lookup(doc, time_field))
        if time is not None:
            out.append(Event(time, offset, extract(doc), record.text if keep_text else ""))
    out.sort(key=lambda e: (e.time, e.offset))
    return out


@lru_cache(maxsize=8)
def _classifier(path: str):
    from stackgen.classify import load

    return load(path)


def classify(model_path: str, text: str) -> str:
    return _classifier(model_path).classify(text)[0]


def alerts(model: LogModel, records: Iterable[Record], engine) -> list[Alert]:
    """The alerts of every runnable rule on the records, as `engine` parses and searches them."""
    if getattr(engine, "name", "local") == "local":  # records may stream: one document at a time
        return run(model, events(model, ((r, engine.run(r.text, r.flags)) for r in records)), classify)
    from stackgen.detect import elastic

    records = list(records)
    engine.offsets = True  # each document carries its place in the replay (log.offset), for ties
    try:
        with engine.loaded(records) as (index, documents):
            found = elastic.run(model, engine.client, index)
    finally:
        engine.offsets = False
    if any(isinstance(d.rule, Classified) for d in model.detections):
        classified = dataclasses.replace(model, detections=tuple(
            d for d in model.detections if isinstance(d.rule, Classified)))
        found += run(classified, events(model, zip(records, documents)), classify)
    return ordered(found)


def to_json(alert: Alert) -> dict:
    return {"rule": alert.rule, "key": dict(alert.key), "start": instant(alert.start), "end": instant(alert.end),
            "count": alert.count}


def dumps(alerts_: list[Alert]) -> str:
    return "".join(json.dumps(to_json(a), ensure_ascii=False) + "\n" for a in alerts_)
