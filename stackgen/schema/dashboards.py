"""Stage 1d: the `dashboards:` section: panels and saved searches over document fields.

A panel names a chart, one metric, up to two buckets and a filter (field -> accepted values).
Every field must be a document field of the schema with a type the operation can aggregate
(SG019 unknown document field, SG020 field cannot be aggregated that way, SG021 bad panel shape).
"""
from __future__ import annotations

import re

from stackgen.model.nodes import Bucket, Dashboard, FieldType, Metric, Panel, SavedSearch
from stackgen.schema.reader import Reader
from stackgen.schema.yamlnodes import Node

ID_RE = r"[a-z][a-z0-9_-]*"
INTERVALS = ("1m", "1h", "1d", "1w", "1M", "1y")
CHARTS = ("pie", "bar", "line", "metric", "table")
OPS = ("count", "sum", "avg", "min", "max", "unique_count")
NUMERIC = {FieldType.INTEGER, FieldType.LONG, FieldType.FLOAT, FieldType.DOUBLE}
TERMS_OK = {FieldType.KEYWORD, FieldType.IP, FieldType.BOOLEAN, FieldType.DATE} | NUMERIC

DASHBOARD = {"title": True, "description": False, "panels": True, "searches": False}
PANEL = {"title": True, "chart": True, "metric": True, "buckets": False, "filter": False}
SEARCH = {"title": True, "columns": True, "filter": False}
BUCKET = {"terms": False, "size": False, "date_histogram": False}


class DashboardReader:
    """Reads `dashboards:` given the document fields (path -> type) the schema produces."""

    def __init__(self, reader: Reader, fields: dict[str, FieldType], time_field: str = "@timestamp"):
        self.r, self.fields, self.time_field = reader, fields, time_field

    def read(self, node: Node | None) -> tuple[Dashboard, ...]:
        if node is None:
            return ()
        if node.kind != "map":
            self.r.error(node, "SG003", "dashboards", f"expected a mapping, found {node.type_name}")
            return ()
        out = []
        for key, spec in node.items:
            path = f"dashboards.{key.text}"
            if not re.fullmatch(ID_RE, key.text):
                self.r.error(key, "SG012", path, f"'{key.text}' is not a valid id (expected {ID_RE})")
                continue
            entries = self.r.mapping(spec, path, DASHBOARD)
            if entries is None or "title" not in entries or "panels" not in entries:
                continue
            panels = self._each(entries["panels"], f"{path}.panels", self._panel)
            searches = self._each(entries["searches"], f"{path}.searches", self._search) if "searches" in entries else ()
            description = self.r.string(entries["description"], f"{path}.description") if "description" in entries else ""
            out.append(Dashboard(key.text, self.r.string(entries["title"], f"{path}.title") or key.text,
                                 description or "", panels, searches))
        return tuple(out)

    def _each(self, node: Node, path: str, read) -> tuple:
        if node.kind != "map":
            self.r.error(node, "SG003", path, f"expected a mapping of id -> definition, found {node.type_name}")
            return ()
        out = []
        for key, spec in node.items:
            if not re.fullmatch(ID_RE, key.text):
                self.r.error(key, "SG012", f"{path}.{key.text}", f"'{key.text}' is not a valid id (expected {ID_RE})")
                continue
            item = read(key.text, spec, f"{path}.{key.text}")
            if item is not None:
                out.append(item)
        return tuple(out)

    def field(self, node: Node, path: str, allowed: set[FieldType], why: str) -> str | None:
        name = self.r.string(node, path)
        if name is None:
            return None
        kind = self.fields.get(name)
        if kind is None:
            self.r.error(node, "SG019", path, f"'{name}' is not a field of the documents this schema produces")
            return None
        if kind not in allowed:
            self.r.error(node, "SG020", path, f"'{name}' is a {kind.value} field: it cannot be {why}")
            return None
        return name

    def filter(self, node: Node, path: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if node.kind != "map":
            self.r.error(node, "SG003", path, f"expected a mapping of field -> value(s), found {node.type_name}")
            return ()
        out = []
        for key, value in node.items:
            field = self.field(key, f"{path}.{key.text}", TERMS_OK, "filtered on exactly")
            values = [self.r.string(value, f"{path}.{key.text}")] if value.kind == "scalar" else \
                [text for text, _ in self.r.strings(value, f"{path}.{key.text}") or []]
            if field and all(values):
                out.append((field, tuple(values)))
        return tuple(out)

    def _metric(self, node: Node, path: str) -> Metric | None:
        if node.kind == "scalar" and node.text == "count":
            return Metric("count")
        if node.kind != "map" or len(node.items) != 1:
            self.r.error(node, "SG021", path, f"a metric is 'count' or one of {{op: field}} with op in {OPS[1:]}")
            return None
        (key, value), = node.items
        if key.text not in OPS[1:]:
            self.r.error(key, "SG021", f"{path}.{key.text}", f"unknown metric '{key.text}' (one of: {', '.join(OPS)})")
            return None
        allowed = TERMS_OK if key.text == "unique_count" else NUMERIC
        field = self.field(value, f"{path}.{key.text}", allowed,
                            "counted" if key.text == "unique_count" else f"used for {key.text}")
        return Metric(key.text, field) if field else None

    def _bucket(self, node: Node, path: str) -> Bucket | None:
        entries = self.r.mapping(node, path, BUCKET)
        if entries is None:
            return None
        if ("terms" in entries) == ("date_histogram" in entries):
            self.r.error(node, "SG021", path, "a bucket is either {terms: field} or {date_histogram: interval}")
            return None
        if "date_histogram" in entries:
            interval = self.r.string(entries["date_histogram"], f"{path}.date_histogram")
            if interval not in INTERVALS:
                self.r.error(entries["date_histogram"], "SG021", f"{path}.date_histogram",
                             f"interval '{interval}' is not one of {', '.join(INTERVALS)}")
                return None
            return Bucket(self.time_field, interval=interval)
        field = self.field(entries["terms"], f"{path}.terms", TERMS_OK, "split into top values")
        size = self.r.integer(entries["size"], f"{path}.size", 1) if "size" in entries else 10
        return Bucket(field, size or 10) if field else None

    def _panel(self, ident: str, spec: Node, path: str) -> Panel | None:
        entries = self.r.mapping(spec, path, PANEL)
        if entries is None or not {"title", "chart", "metric"} <= set(entries):
            return None
        chart = self.r.string(entries["chart"], f"{path}.chart")
        if chart not in CHARTS:
            self.r.error(entries["chart"], "SG021", f"{path}.chart", f"unknown chart '{chart}' (one of: {', '.join(CHARTS)})")
            return None
        metric = self._metric(entries["metric"], f"{path}.metric")
        buckets: list[Bucket] = []
        items = self.r.sequence(entries["buckets"], f"{path}.buckets") or [] if "buckets" in entries else []
        for i, item in enumerate(items):
            bucket = self._bucket(item, f"{path}.buckets[{i}]")
            if bucket:
                buckets.append(bucket)
        if len(buckets) != len(items):
            return None  # a bucket's own problem is reported; judging the shape would only repeat it
        filters = self.filter(entries["filter"], f"{path}.filter") if "filter" in entries else ()
        shape = {"metric": len(buckets) == 0, "pie": 1 <= len(buckets) <= 2 and not any(b.is_time for b in buckets),
                 "bar": 1 <= len(buckets) <= 2, "line": 1 <= len(buckets) <= 2, "table": len(buckets) <= 3}
        if not shape[chart] or any(b.is_time for b in buckets[1:]):
            self.r.error(entries["chart"], "SG021", path,
                         f"a {chart} panel cannot show these buckets (pie: 1-2 terms; bar/line: a first bucket "
                         "and an optional terms split; metric: none)")
            return None
        if metric is None:
            return None
        return Panel(ident, self.r.string(entries["title"], f"{path}.title") or ident, chart, metric,
                     tuple(buckets), filters)

    def _search(self, ident: str, spec: Node, path: str) -> SavedSearch | None:
        entries = self.r.mapping(spec, path, SEARCH)
        if entries is None or not {"title", "columns"} <= set(entries):
            return None
        columns = []
        for i, item in enumerate(self.r.sequence(entries["columns"], f"{path}.columns") or []):
            name = self.r.string(item, f"{path}.columns[{i}]")
            if name and name not in self.fields:
                self.r.error(item, "SG019", f"{path}.columns[{i}]",
                             f"'{name}' is not a field of the documents this schema produces")
            elif name:
                columns.append(name)
        filters = self.filter(entries["filter"], f"{path}.filter") if "filter" in entries else ()
        return SavedSearch(ident, self.r.string(entries["title"], f"{path}.title") or ident, tuple(columns), filters)
