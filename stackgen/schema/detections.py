"""Stage 1e: the `detections:` section: rules over the documents, read into `model.detections`.

Every field a rule names must be a document field of the schema (SG019) of a type it can filter
or group on exactly (SG020: keyword, ip, integer, long, boolean); a rule has exactly one kind
(SG025 for a bad rule shape, a bad duration, an unknown severity, a filter value the field cannot
hold); a classifier's model file is resolved from the schema's directory and must load (SG026), and
its alert categories must be the model's. Filter values are stored as both engines compare them.
"""
from __future__ import annotations

import re
from pathlib import Path

from stackgen.classify import load
from stackgen.errors import UsageError
from stackgen.model.detections import (SEVERITIES, Anomaly, Classified, Detection, Duration, NewValue, Sequence,
                                       Step, Threshold, canonical_ip)
from stackgen.model.nodes import FieldType
from stackgen.schema.dashboards import DashboardReader
from stackgen.schema.reader import Reader
from stackgen.schema.yamlnodes import Node

ID_RE = r"[a-z][a-z0-9_]*"
DURATION_RE = r"([1-9][0-9]*)(s|m|h|d)"
UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
EXACT = {FieldType.KEYWORD, FieldType.IP, FieldType.INTEGER, FieldType.LONG, FieldType.BOOLEAN}
ANOMALY_FUNCTIONS = ("count", "high_count", "low_count", "distinct_count", "high_distinct_count",
                     "rare", "freq_rare", "mean", "high_mean", "max", "min", "sum", "high_sum")
NEEDS_NUMBER = {"mean", "high_mean", "max", "min", "sum", "high_sum"}
NEEDS_FIELD = {"distinct_count", "high_distinct_count", *NEEDS_NUMBER}
NUMBER = {FieldType.INTEGER, FieldType.LONG, FieldType.FLOAT, FieldType.DOUBLE}
MAX_DURATION_MS = 3650 * 86_400_000  # ten years: longer windows are mistakes (and overflow ES's longs)

MAX_NEW_TERMS = 3  # Elastic new-terms rules: new_terms_fields holds 1 to 3 fields
MIN_HISTORY_MS = 6 * 60_000  # the rendered new-terms rule looks back 6 minutes
MAX_RUNS = 100  # EQL `with runs=N`: 1 to 100
KINDS = ("threshold", "sequence", "new_value", "classify", "anomaly")
RULE = {"title": False, "description": False, "severity": False, "risk_score": False, "tags": False,
        **{kind: False for kind in KINDS}}
THRESHOLD = {"filter": False, "group_by": False, "count": True, "within": True}
SEQUENCE = {"group_by": False, "within": True, "steps": True}
STEP = {"filter": True, "count": False}
NEW_VALUE = {"field": True, "group_by": False, "history": True, "filter": False}
CLASSIFY = {"model": True, "alert": True}
ANOMALY = {"function": True, "field": False, "by": False, "over": False, "partition": False, "bucket_span": True}


def _typed(text: str, kind: FieldType) -> str | None:
    """The text of a filter value as documents of this type hold it, None if they cannot."""
    if kind in (FieldType.INTEGER, FieldType.LONG):
        return str(int(text)) if re.fullmatch(r"[+-]?[0-9]+", text) else None
    if kind is FieldType.BOOLEAN:
        return text.lower() if text.lower() in ("true", "false") else None
    if kind is FieldType.IP:
        return canonical_ip(text)
    return text


class DetectionReader:
    """Reads `detections:` given the document fields (path -> type) the schema produces."""

    def __init__(self, reader: Reader, fields: dict[str, FieldType], schema_dir: Path):
        self.r, self.schema_dir = reader, schema_dir
        self.fields = DashboardReader(reader, fields)

    def read(self, node: Node | None) -> tuple[Detection, ...]:
        if node is None:
            return ()
        if node.kind != "map":
            self.r.error(node, "SG003", "detections", f"expected a mapping of id -> rule, found {node.type_name}")
            return ()
        out = []
        for key, spec in node.items:
            path = f"detections.{key.text}"
            if not re.fullmatch(ID_RE, key.text):
                self.r.error(key, "SG012", path, f"'{key.text}' is not a valid rule id (expected {ID_RE})")
                continue
            detection = self._rule(key.text, spec, path)
            if detection is not None:
                out.append(detection)
        return tuple(out)

    def _rule(self, ident: str, spec: Node, path: str) -> Detection | None:
        entries = self.r.mapping(spec, path, RULE)
        if entries is None:
            return None
        kinds = [kind for kind in KINDS if kind in entries]
        if len(kinds) != 1:
            self.r.error(spec, "SG025", path, f"a rule has exactly one of: {', '.join(KINDS)}"
                         + (f" (found {', '.join(kinds)})" if kinds else ""))
            return None
        kind = kinds[0]
        rule = getattr(self, f"_{kind}")(entries[kind], f"{path}.{kind}")
        severity = "medium"
        if "severity" in entries:
            severity = self.r.string(entries["severity"], f"{path}.severity") or severity
            if severity not in SEVERITIES:
                self.r.error(entries["severity"], "SG025", f"{path}.severity",
                             f"unknown severity '{severity}' (one of: {', '.join(SEVERITIES)})")
        risk = SEVERITIES.get(severity, 47)
        if "risk_score" in entries:
            risk = self.r.integer(entries["risk_score"], f"{path}.risk_score", 0) or 0
            if risk > 100:
                self.r.error(entries["risk_score"], "SG025", f"{path}.risk_score", "a risk score is 0 to 100")
        tags = tuple(t for t, _ in self.r.strings(entries["tags"], f"{path}.tags") or []) if "tags" in entries else ()
        text = {k: self.r.string(entries[k], f"{path}.{k}") or "" for k in ("title", "description") if k in entries}
        if rule is None:
            return None
        return Detection(ident, text.get("title") or ident.replace("_", " ").capitalize(),
                         text.get("description", ""), severity, risk, rule, tags)

    # -- kinds ------------------------------------------------------------------------------
    def _threshold(self, node: Node, path: str) -> Threshold | None:
        entries = self.r.mapping(node, path, THRESHOLD)
        if entries is None or not {"count", "within"} <= set(entries):
            return None
        parts = (self._filter(entries, path), self._group(entries, path),
                 self.r.integer(entries["count"], f"{path}.count", 1), self._duration(entries["within"], f"{path}.within"))
        return None if None in parts else Threshold(*parts)

    def _sequence(self, node: Node, path: str) -> Sequence | None:
        entries = self.r.mapping(node, path, SEQUENCE)
        if entries is None or not {"steps", "within"} <= set(entries):
            return None
        steps = []
        items = self.r.sequence(entries["steps"], f"{path}.steps") or []
        for i, item in enumerate(items):
            step = self.r.mapping(item, f"{path}.steps[{i}]", STEP)
            if step is None or "filter" not in step:
                continue
            count = self.r.integer(step["count"], f"{path}.steps[{i}].count", 1) if "count" in step else 1
            if count is not None and count > MAX_RUNS:
                self.r.error(step["count"], "SG025", f"{path}.steps[{i}].count",
                             f"a step repeats at most {MAX_RUNS} times (EQL's `with runs=` limit)")
                count = None
            flt = self._exact_filter(step["filter"], f"{path}.steps[{i}].filter")
            if count is not None and flt:
                steps.append(Step(flt, count))
        if len(items) < 2:
            self.r.error(entries["steps"], "SG025", f"{path}.steps", "a sequence has at least two steps")
        group, within = self._group(entries, path), self._duration(entries["within"], f"{path}.within")
        if len(steps) != len(items) or len(items) < 2 or None in (group, within):
            return None
        return Sequence(tuple(steps), group, within)

    def _new_value(self, node: Node, path: str) -> NewValue | None:
        entries = self.r.mapping(node, path, NEW_VALUE)
        if entries is None or not {"field", "history"} <= set(entries):
            return None
        field = self.fields.field(entries["field"], f"{path}.field", EXACT, "compared exactly")
        parts = (field, self._group(entries, path), self._duration(entries["history"], f"{path}.history"),
                 self._filter(entries, path))
        if None in parts:
            return None
        if len(parts[1]) + 1 > MAX_NEW_TERMS:
            self.r.error(entries["group_by"], "SG025", f"{path}.group_by", f"a new value has at most {MAX_NEW_TERMS} "
                         "fields with its groups (Elastic's new-terms rules take no more)")
            return None
        if parts[2].ms <= MIN_HISTORY_MS:
            self.r.error(entries["history"], "SG025", f"{path}.history", "a history must be longer than 6m (the "
                         "rendered new-terms rule looks back 6 minutes each run; its history must start before)")
            return None
        return NewValue(*parts)

    def _classify(self, node: Node, path: str) -> Classified | None:
        entries = self.r.mapping(node, path, CLASSIFY)
        if entries is None or not {"model", "alert"} <= set(entries):
            return None
        name = self.r.string(entries["model"], f"{path}.model")
        alert = [text for text, _ in self.r.strings(entries["alert"], f"{path}.alert") or []]
        if name is None:
            return None
        model = (self.schema_dir / name) if not Path(name).is_absolute() else Path(name)
        if not model.is_file():
            self.r.error(entries["model"], "SG026", f"{path}.model",
                         f"no classifier model at {model} (make one with `stackgen classify train`)")
            return None
        if not alert:
            self.r.error(entries["alert"], "SG025", f"{path}.alert", "name at least one category that raises an alert")
            return None
        try:
            categories = load(model).categories
        except UsageError as exc:
            self.r.error(entries["model"], "SG026", f"{path}.model", str(exc))
            return None
        unknown = [c for c in alert if c not in categories]
        if unknown:
            self.r.error(entries["alert"], "SG025", f"{path}.alert", f"the model has no category {', '.join(unknown)} "
                         f"(its categories: {', '.join(categories)})")
            return None
        return Classified(str(model), tuple(alert))

    def _anomaly(self, node: Node, path: str) -> Anomaly | None:
        entries = self.r.mapping(node, path, ANOMALY)
        if entries is None or not {"function", "bucket_span"} <= set(entries):
            return None
        function = self.r.string(entries["function"], f"{path}.function")
        if function not in ANOMALY_FUNCTIONS:
            self.r.error(entries["function"], "SG025", f"{path}.function",
                         f"unknown function '{function}' (one of: {', '.join(ANOMALY_FUNCTIONS)})")
            return None
        roles = {}
        for role in ("field", "by", "over", "partition"):
            if role in entries:
                numeric = role == "field" and function in NEEDS_NUMBER
                roles[role] = self.fields.field(entries[role], f"{path}.{role}", NUMBER if numeric else EXACT,
                                                f"the {role} of '{function}'")
                if roles[role] is None:
                    return None
        named = [roles[r] for r in ("by", "over", "partition") if r in roles]
        if len(set(named)) != len(named):
            self.r.error(node, "SG025", path, "by, over and partition name different fields")
            return None
        if function in NEEDS_FIELD and "field" not in roles:
            self.r.error(node, "SG025", path, f"the function '{function}' needs a field")
            return None
        if function in ("rare", "freq_rare") and "by" not in roles:
            self.r.error(node, "SG025", path, f"the function '{function}' needs a `by` field (the value that is rare)")
            return None
        span = self._duration(entries["bucket_span"], f"{path}.bucket_span")
        return None if span is None else Anomaly(function, span, **roles)

    # -- parts ------------------------------------------------------------------------------
    def _filter(self, entries: dict[str, Node], path: str):
        return self._exact_filter(entries["filter"], f"{path}.filter") if "filter" in entries else ()

    def _exact_filter(self, node: Node, path: str):
        """field -> accepted texts, each value as both engines compare it (numbers in decimal,
        booleans true/false, IP addresses canonical); a value the field can never hold is an error."""
        flt = self.fields.filter(node, path)
        out = []
        for (field, values), (key, value_node) in zip(flt, [(k, v) for k, v in node.items if k.text in dict(flt)]):
            kind = self.fields.fields[field]
            where = f"{path}.{field}"
            if kind not in EXACT:
                self.r.error(key, "SG020", where, f"'{field}' is a {kind.value} field: rules filter "
                             "on keyword, ip, integer, long or boolean fields")
                return None
            if not values:
                self.r.error(value_node, "SG025", where, "name at least one value")
                return None
            typed = [_typed(value, kind) for value in values]
            if None in typed:
                bad = values[typed.index(None)]
                self.r.error(value_node, "SG025", where, f"'{bad}' is not a value a {kind.value} field holds")
                return None
            out.append((field, tuple(dict.fromkeys(typed))))
        if not out and node.kind == "map" and not node.items:
            self.r.error(node, "SG025", path, "a filter names at least one field")
            return None
        return tuple(out) if len(out) == len(node.items) else None

    def _group(self, entries: dict[str, Node], path: str):
        if "group_by" not in entries:
            return ()
        node = entries["group_by"]
        items = [(node.text, node)] if node.kind == "scalar" else self.r.strings(node, f"{path}.group_by") or []
        out = [self.fields.field(item, f"{path}.group_by", EXACT, "grouped on") for _, item in items]
        if None in out:
            return None
        if not out or len(set(out)) != len(out):
            self.r.error(node, "SG025", f"{path}.group_by", "name one or more different fields (or leave group_by out)")
            return None
        return tuple(out)

    def _duration(self, node: Node, path: str) -> Duration | None:
        text = self.r.string(node, path)
        match = re.fullmatch(DURATION_RE, text or "")
        if text is not None and match is None:
            self.r.error(node, "SG025", path, f"'{text}' is not a duration (a number and s, m, h or d: 30s, 5m, 1h, 7d)")
            return None
        if match is None:
            return None
        ms = int(match.group(1)) * UNIT_MS[match.group(2)]
        if ms > MAX_DURATION_MS:
            self.r.error(node, "SG025", path, f"'{text}' is longer than ten years (3650d)")
            return None
        return Duration(text, ms)
