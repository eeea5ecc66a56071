"""Stage 2 (model): detection rules over a schema's documents, as validated frozen data.

A rule is one of four kinds, each a condition on documents in time order:
- `Threshold`: at least `count` documents matching `filter`, per group, within a `window` that
  starts at a document; windows that qualify and overlap merge into one alert (its documents'
  count, first and last time), so `count: 1` is every matching document, bursts merged;
- `Sequence`: `steps` in order (each a filter and a repeat count: that many stages), per group,
  the whole within `within`; per stage the latest partial match is kept (EQL's way): a document
  out of order advances nothing, a match older than `within` expires;
- `NewValue`: a `field` value the group has not had before, once `history` has passed since the
  first document of the replay (the history is learnt, not alerted on);
- `Classified`: a record a word-frequency classifier puts in one of the `alert` categories;
- `Anomaly`: a machine-learning anomaly job (rendered for a licensed cluster; not run here).

Filters are `(field, accepted texts)` pairs, ANDed; a document matches a field when any of its
values, as text, is accepted. Durations are milliseconds, with the text as written for rendering.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

Filter = tuple[tuple[str, tuple[str, ...]], ...]

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_V4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


@functools.lru_cache(maxsize=65536)
def canonical_ip(text) -> str | None:
    """An IP address as Elasticsearch prints it (IPv4-mapped IPv6 as IPv4), None if it is none."""
    if isinstance(text, str) and _CANONICAL_V4.fullmatch(text):
        return text  # dotted IPv4 without leading zeros: already canonical
    try:
        address = ipaddress.ip_address(str(text))
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def utf16_length(text: str) -> int:
    """The length Elasticsearch's `ignore_above` counts: UTF-16 code units."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


SEVERITIES = {"low": 21, "medium": 47, "high": 73, "critical": 99}  # Elastic's default risk scores


@dataclass(frozen=True)
class Duration:
    text: str  # as written: 30s, 5m, 1h, 7d
    ms: int


@dataclass(frozen=True)
class Threshold:
    filter: Filter
    group_by: tuple[str, ...]
    count: int
    window: Duration


@dataclass(frozen=True)
class Step:
    filter: Filter
    count: int = 1


@dataclass(frozen=True)
class Sequence:
    steps: tuple[Step, ...]
    group_by: tuple[str, ...]
    within: Duration


@dataclass(frozen=True)
class NewValue:
    field: str
    group_by: tuple[str, ...]
    history: Duration
    filter: Filter = ()


@dataclass(frozen=True)
class Classified:
    model: str  # path of the classifier's model file, as resolved from the schema's directory
    alert: tuple[str, ...]  # categories that raise an alert


@dataclass(frozen=True)
class Anomaly:
    function: str  # count | distinct_count | rare | high_count | ...
    bucket_span: Duration
    field: str | None = None
    by: str | None = None
    over: str | None = None
    partition: str | None = None


Condition = Threshold | Sequence | NewValue | Classified | Anomaly


@dataclass(frozen=True)
class Detection:
    """One named rule of the schema's `detections:` section."""

    id: str
    title: str
    description: str
    severity: str  # low | medium | high | critical
    risk_score: int
    rule: Condition
    tags: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return {Threshold: "threshold", Sequence: "sequence", NewValue: "new_value",
                Classified: "classify", Anomaly: "anomaly"}[type(self.rule)]

    @property
    def runnable(self) -> bool:
        """`stackgen detect` runs it (anomaly jobs need a licensed cluster's machine learning)."""
        return not isinstance(self.rule, Anomaly)

    def key_fields(self) -> tuple[str, ...]:
        """The fields an alert's `key` holds, in order."""
        rule = self.rule
        if isinstance(rule, NewValue):
            return (*rule.group_by, rule.field)
        if isinstance(rule, Classified):
            return ("category",)
        return getattr(rule, "group_by", ())
