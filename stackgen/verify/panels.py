"""Stage 5e: dashboard panels as queries: the aggregation Kibana runs, and its expected rows.

`search_body` is the query and aggregation a Lens panel asks Elasticsearch for (filter, buckets,
metric; terms ordered by the metric, ties by key; date buckets in the schema's timezone).
`rows` reads an answer into rows `(bucket keys..., value)`; `evaluate` computes the same rows
from documents in plain Python, so a test can hold the real answer against what the samples imply.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from collections import defaultdict
from zoneinfo import ZoneInfo

from stackgen.model.nodes import Bucket, FieldType, LogModel, Panel
from stackgen.verify.compare import lookup

_ES_METRIC = {"sum": "sum", "avg": "avg", "min": "min", "max": "max", "unique_count": "cardinality"}


def timezone(model: LogModel) -> str:
    return model.value(model.timestamp).timezone or "UTC"


def search_body(model: LogModel, panel: Panel) -> dict:
    filters = [{"terms": {field: list(values)}} for field, values in panel.filter]
    metric = {} if panel.metric.op == "count" else \
        {"m": {_ES_METRIC[panel.metric.op]: {"field": panel.metric.field}}}
    aggs = metric
    for depth in reversed(range(len(panel.buckets))):
        bucket = panel.buckets[depth]
        if bucket.is_time:
            spec = {"date_histogram": {"field": bucket.field, "calendar_interval": bucket.interval,
                                       "time_zone": timezone(model), "min_doc_count": 1}}
        else:
            order = [{"_count": "desc"} if panel.metric.op == "count" else {"m": "desc"}, {"_key": "asc"}]
            spec = {"terms": {"field": bucket.field, "size": bucket.size, "order": order}}
        if aggs:
            spec["aggs"] = aggs
        aggs = {f"b{depth}": spec}
    return {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": filters}}, "aggs": aggs}


def rows(panel: Panel, answer: dict) -> list[tuple]:
    """Rows (keys..., value) from a search answer, in the answer's order."""
    def value(node: dict) -> float:
        if panel.metric.op == "count":
            return node["doc_count"]
        return node["m"]["value"]

    def walk(node: dict, depth: int, keys: tuple) -> list[tuple]:
        if depth == len(panel.buckets):
            return [(*keys, value(node))]
        out = []
        for bucket in node[f"b{depth}"]["buckets"]:
            key = bucket["key"] if panel.buckets[depth].is_time else str(bucket.get("key_as_string", bucket["key"]))
            out += walk(bucket, depth + 1, (*keys, key))
        return out

    top = {**answer.get("aggregations", {}), "doc_count": answer["hits"]["total"]["value"]}
    return walk(top, 0, ())


def _bucket_start(instant: str, interval: str, zone: str) -> int:
    local = dt.datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    unit = interval[-1]
    floor = {"m": dict(second=0, microsecond=0), "h": dict(minute=0, second=0, microsecond=0)}.get(
        unit, dict(hour=0, minute=0, second=0, microsecond=0))
    start = local.replace(**floor)
    if unit == "w":
        start -= dt.timedelta(days=start.weekday())
    elif unit == "M":
        start = start.replace(day=1)
    elif unit == "y":
        start = start.replace(month=1, day=1)
    start = start.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))  # re-resolve the offset at the start
    return int(start.timestamp() * 1000)


def _key(doc: dict, bucket: Bucket, zone: str, limits: dict[str, int]):
    raw = lookup(doc, bucket.field)
    if raw is None:
        return None
    if bucket.is_time:
        return _bucket_start(raw, bucket.interval, zone)
    if isinstance(raw, str) and len(raw) > limits.get(bucket.field, len(raw)):
        return None  # not indexed (ignore_above): no terms bucket has it
    return str(raw).lower() if isinstance(raw, bool) else str(raw)


def _ip_order(text: str) -> bytes:
    """Elasticsearch orders ip terms by their 16-byte form (IPv4 as IPv4-mapped IPv6)."""
    address = ipaddress.ip_address(text)
    if address.version == 4:
        address = ipaddress.IPv6Address(b"\0" * 10 + b"\xff\xff" + address.packed)
    return address.packed


def evaluate(model: LogModel, panel: Panel, documents: list[dict]) -> list[tuple]:
    """The rows the panel shows for these documents, computed without Elasticsearch."""
    zone = timezone(model)
    types = model.document_fields()
    limits = model.keyword_limits()
    selected = [d for d in documents
                if all(str(lookup(d, field)) in values for field, values in panel.filter)]

    def measure(docs: list[dict]) -> float:
        op, field = panel.metric.op, panel.metric.field
        if op == "count":
            return len(docs)
        values = [v for v in (lookup(d, field) for d in docs) if v is not None]
        if op == "unique_count":
            return len(set(map(str, values)))
        if not values:
            return 0 if op == "sum" else None  # as Elasticsearch answers an empty bucket
        return {"sum": sum, "min": min, "max": max, "avg": lambda v: sum(v) / len(v)}[op](values)

    def walk(docs: list[dict], depth: int, keys: tuple) -> list[tuple]:
        if depth == len(panel.buckets):
            return [(*keys, measure(docs))]
        bucket = panel.buckets[depth]
        groups: dict = defaultdict(list)
        for doc in docs:
            key = _key(doc, bucket, zone, limits)
            if key is not None:
                groups[key].append(doc)
        if bucket.is_time:
            ordered = sorted(groups)
        else:
            tie = _ip_order if types.get(bucket.field) is FieldType.IP else (lambda k: k)
            ordered = sorted(groups, key=lambda k: (-(measure(groups[k]) or 0), tie(k)))[:bucket.size]
        out = []
        for key in ordered:
            out += walk(groups[key], depth + 1, (*keys, key))
        return out

    return walk(selected, 0, ())
