"""Stage 6a: detection rules run in process, as automata over the documents in time order.

Each rule kind is one function of the events (documents with their time, their place in the
replay and their record's text) to alerts. The embedded engine runs the same rules as
Elasticsearch aggregations (`detect.elastic`); both must give the same alerts.

Conventions both engines share:
- events are ordered by time, then by their place in the replay; a document without a time is in
  no window and raises nothing;
- a document matches a filter field when any of its values, as text, is accepted (a number as its
  decimal text, a boolean as true/false, an IP address in canonical form); a keyword longer than
  its `ignore_above` is not indexed, so it matches nothing and groups as absent;
- a group is one value of each `group_by` field (an absent field groups as null; each element of
  a list is a group of its own).
"""
from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from stackgen.model.detections import (Classified, Detection, Filter, NewValue, Sequence, Threshold,
                                       canonical_ip, utf16_length)
from stackgen.model.nodes import FieldType, LogModel


@dataclass(frozen=True)
class Event:
    """A document in the replay: its time (epoch ms), place, the fields rules read (path -> value)
    and its record's text."""

    time: int
    offset: int
    doc: dict
    text: str


@dataclass(frozen=True)
class Alert:
    rule: str
    key: tuple[tuple[str, object], ...]
    start: int  # epoch ms
    end: int
    count: int


class Fields:
    """Document values as both engines see them: typed, canonical, keywords within ignore_above.

    `extract` is applied once per event (its document cut to the fields the rules read); the
    rules then read `values`, a tuple per field.
    """

    def __init__(self, model: LogModel, fields: tuple[str, ...] = ()):
        types, limits = model.document_fields(), model.keyword_limits()
        # per field: its path in the document, whether it is an IP, its keyword length limit
        self.specs = [(field, [field] if field.startswith("@") else field.split("."),
                       types.get(field) is FieldType.IP, limits.get(field)) for field in fields]

    def extract(self, doc: dict) -> dict[str, tuple]:
        """The document's values of the fields, each a tuple of distinct canonical values."""
        out = {}
        for field, parts, is_ip, limit in self.specs:
            raw = doc
            for part in parts:
                raw = raw.get(part) if isinstance(raw, dict) else None
            if raw is None:
                out[field] = ()
                continue
            values: list = []
            for item in raw if isinstance(raw, list) else (raw,):
                if is_ip:
                    item = canonical_ip(item)
                elif (limit is not None and isinstance(item, str) and len(item) > limit // 2
                      and utf16_length(item) > limit):
                    continue
                if item is not None and item not in values:
                    values.append(item)
            out[field] = tuple(values)
        return out

    @staticmethod
    def values(doc: dict, field: str) -> tuple:
        return doc.get(field, ())

    @staticmethod
    def matches(doc: dict, flt: Filter) -> bool:
        return all(any(as_text(v) in accepted for v in doc.get(field, ())) for field, accepted in flt)

    @staticmethod
    def groups(doc: dict, group_by: tuple[str, ...]) -> list[tuple[tuple[str, object], ...]]:
        choices = [doc.get(field) or (None,) for field in group_by]
        if all(len(c) == 1 for c in choices):
            return [tuple(zip(group_by, (c[0] for c in choices)))]
        return [tuple(zip(group_by, combo)) for combo in itertools.product(*choices)]


def as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run(model: LogModel, events: list[Event], classify: Callable[[str, str], str] | None = None) -> list[Alert]:
    """Every alert of the model's runnable rules over `events` (already in time order)."""
    fields = Fields(model)  # reads the values the events already hold
    out: list[Alert] = []
    for detection in model.detections:
        rule = detection.rule
        if isinstance(rule, Threshold):
            out += threshold(detection, rule, events, fields)
        elif isinstance(rule, Sequence):
            out += sequence(detection, rule, events, fields)
        elif isinstance(rule, NewValue):
            out += new_value(detection, rule, events, fields)
        elif isinstance(rule, Classified) and classify is not None:
            out += [Alert(detection.id, (("category", category),), e.time, e.time, 1) for e in events
                    if (category := classify(rule.model, e.text)) in rule.alert]
    return ordered(out)


def ordered(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (a.start, a.end, a.rule, repr(a.key), a.count))


def threshold(detection: Detection, rule: Threshold, events: list[Event], fields: Fields) -> list[Alert]:
    times: dict[tuple, list[int]] = defaultdict(list)
    for event in events:
        if fields.matches(event.doc, rule.filter):
            for group in fields.groups(event.doc, rule.group_by):
                times[group].append(event.time)
    return [Alert(detection.id, group, start, end, count)
            for group, series in times.items() for start, end, count in bursts(series, rule.count, rule.window.ms)]


def bursts(times: list[int], count: int, window: int) -> list[tuple[int, int, int]]:
    """(first, last, documents) of each burst in sorted times.

    A window is `[t, t + window]` from a document's time; it qualifies when it holds `count`
    documents. Qualifying windows that overlap in time merge into one burst, which holds every
    document from the first window's start to the last window's end.
    """
    out, first, latest = [], None, None  # latest: start index of the burst's last qualifying window

    def close() -> None:
        last = bisect.bisect_right(times, times[latest] + window) - 1
        out.append((times[first], times[last], last - first + 1))

    for i in range(len(times) - count + 1):
        if times[i + count - 1] - times[i] > window:
            continue
        if first is not None and times[i] <= times[latest] + window:
            latest = i
            continue
        if first is not None:
            close()
        first = latest = i
    if first is not None:
        close()
    return out


def sequence(detection: Detection, rule: Sequence, events: list[Event], fields: Fields) -> list[Alert]:
    """Each step repeated `count` times is that many stages; per group and stage, the start time
    of the latest partial match that reached it. A document matching a stage's step moves the
    match of the stage before (unless more than `within` has passed since it started); the last
    stage reached is an alert. Later documents start later matches, which replace earlier ones:
    a later start has more time left."""
    stages = [i for i, step in enumerate(rule.steps) for _ in range(step.count)]
    last = len(stages) - 1
    partial: dict[tuple, list] = {}
    out = []
    for event in events:
        matched = [fields.matches(event.doc, step.filter) for step in rule.steps]
        if not any(matched):
            continue
        for group in fields.groups(event.doc, rule.group_by):
            starts = partial.setdefault(group, [None] * len(stages))
            for j in range(last, -1, -1):
                if not matched[stages[j]]:
                    continue
                if j == 0:
                    starts[0] = event.time
                    continue
                start, starts[j - 1] = starts[j - 1], None
                if start is None or event.time - start > rule.within.ms:
                    continue  # no match waits for this stage, or it expired
                if j == last:
                    out.append(Alert(detection.id, group, start, event.time, len(stages)))
                else:
                    starts[j] = start
    return out


def new_value(detection: Detection, rule: NewValue, events: list[Event], fields: Fields) -> list[Alert]:
    if not events:
        return []
    learnt_until = events[0].time + rule.history.ms
    seen: set[tuple] = set()
    out = []
    for event in events:
        if not fields.matches(event.doc, rule.filter):
            continue
        for value in fields.values(event.doc, rule.field):
            for group in fields.groups(event.doc, rule.group_by):
                key = (*group, (rule.field, value))
                if key in seen:
                    continue
                seen.add(key)
                if event.time >= learnt_until:
                    out.append(Alert(detection.id, key, event.time, event.time, 1))
    return out
