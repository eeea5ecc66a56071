"""Stage 3: detection rules for Elastic Security and machine-learning anomaly jobs.

Rendered only when the schema has rules Elastic can run:
- `kibana/detection-rules.ndjson`: one rule per line for `POST /api/detection_engine/rules/_import`,
  keys sorted, no timestamps, `rule_id` a UUIDv5 of the schema and rule ids (re-importing with
  `?overwrite=true` updates the same rules), every rule imported disabled;
- `elasticsearch/ml/<job_id>.json` per anomaly rule: `{"job": <body of PUT
  _ml/anomaly_detectors/<job_id>>, "datafeed": <body of PUT _ml/datafeeds/datafeed-<job_id>>}`,
  the two requests that create them (a datafeed cannot exist before its job, so they are kept
  side by side in creation order rather than folded into the job's `datafeed_config`, which would
  hide the datafeed's own id and request).

How each kind maps (stackgen's semantics are `stackgen detect`'s; Elastic's differ as said):
- threshold -> `type: threshold`, the KQL of the filter (`*` without one), `threshold.field` the
  groups and `threshold.value` the count. Kibana counts the documents of one run's look-back, not a
  sliding window: the rule runs every `min(window, 5m)` (at least 1m) and looks back `window +
  interval`, so every burst that fits in one window falls inside some run (none is missed), while a
  burst spread over up to `window + interval` may also alert; Kibana's threshold history keeps a
  later run from re-alerting on the same documents.
- sequence -> `type: eql`, `sequence by <groups> with maxspan=<within> [any where ...] with runs=N
  ...` (strings double-quoted and escaped, numbers and booleans bare, `in (...)` for several values);
  EQL's sequences also drop a step out of order and expire at `maxspan`. Schedule as for threshold.
- new value -> `type: new_terms`, `new_terms_fields` the groups then the field (a new combination),
  `history_window_start: now-<history>`, run every 5m looking back 6m (Kibana's defaults; the
  history must reach further back than that, which Kibana checks): Kibana's history is a rolling
  window before each run's look-back, stackgen's everything since the replay's first document.
- anomaly -> `type: machine_learning` on the job (`anomaly_threshold` 50, Kibana's default; no
  `index` or query: Kibana's ML rules have none), run every `min(bucket_span, 15m)` looking back
  two buckets and the interval (a bucket's anomalies are written once it closes); plus the job and
  its datafeed (all documents of the index pattern: anomaly rules have no filter).
- classify -> not rendered: a word-frequency classifier is stackgen's own, Elastic has no rule
  type that runs it.
"""
from __future__ import annotations

import json
import re
import uuid

from stackgen.model.detections import Anomaly, Classified, Detection, Filter, NewValue, Sequence, Threshold
from stackgen.model.nodes import FieldType, LogModel
from stackgen.targets.base import Artifact, kql

NAME = "detections"
RULES_PATH = "kibana/detection-rules.ndjson"
ML_DIR = "elasticsearch/ml"
_NAMESPACE = uuid.UUID("2b7c9a4e-8f1d-5c3a-9e6b-4d2f0a1c7e58")
MINUTE_MS, MAX_INTERVAL_MS, ML_INTERVAL_MS = 60_000, 300_000, 900_000
NEW_TERMS_INTERVAL, NEW_TERMS_FROM = "5m", "now-6m"  # Kibana's defaults: 1m extra for late documents
ANOMALY_THRESHOLD = 50
MAX_SIGNALS = 100
_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))
_NUMERIC = {FieldType.INTEGER, FieldType.LONG}
_PLAIN_FIELD = re.compile(r"[A-Za-z_@][A-Za-z0-9_.@]*")


def rule_id(model: LogModel, detection: Detection) -> str:
    """The rule's stable `rule_id`: the same schema and rule id always give the same one."""
    return str(uuid.uuid5(_NAMESPACE, f"{model.name}/{detection.id}"))


def job_id(model: LogModel, detection: Detection) -> str:
    """The anomaly job's id: lowercase letters, digits, hyphens and underscores."""
    return f"stackgen-{model.name}-{detection.id}".lower()


def datafeed_id(model: LogModel, detection: Detection) -> str:
    return f"datafeed-{job_id(model, detection)}"


def duration(ms: int) -> str:
    """A time value in the largest unit that divides it exactly (`90s`, `10m`, `2h`)."""
    for unit, size in _UNITS:
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def schedule(window_ms: int, most: int = MAX_INTERVAL_MS) -> tuple[str, str]:
    """`interval` and `from` of a rule whose condition spans `window_ms`: the look-back covers
    one window plus the interval, so every window lies inside some run's look-back."""
    interval = max(MINUTE_MS, min(window_ms, most))
    return duration(interval), f"now-{duration(window_ms + interval)}"


# -- query languages -------------------------------------------------------------------------
def _is_number(model: LogModel, field: str, text: str) -> bool:
    return model.document_fields().get(field) in _NUMERIC and re.fullmatch(r"-?\d+", text) is not None


def _is_boolean(model: LogModel, field: str, text: str) -> bool:
    return model.document_fields().get(field) is FieldType.BOOLEAN and text in ("true", "false")


def _quoted(text: str) -> str:
    """A double-quoted string with backslash escapes (the same in KQL and EQL)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def _literal(model: LogModel, field: str, text: str) -> str:
    bare = _is_number(model, field, text) or _is_boolean(model, field, text)
    return text if bare else _quoted(text)


def eql_field(name: str) -> str:
    """A field name, backticked when EQL needs it (hyphens, spaces, a leading digit)."""
    return name if _PLAIN_FIELD.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def eql_condition(model: LogModel, flt: Filter) -> str:
    parts = []
    for field, values in flt:
        literals = [_literal(model, field, v) for v in values]
        name = eql_field(field)
        parts.append(f"{name} == {literals[0]}" if len(literals) == 1 else f"{name} in ({', '.join(literals)})")
    return " and ".join(parts) or "true"


def eql(model: LogModel, rule: Sequence) -> str:
    """The EQL sequence query of a sequence rule, one step per line."""
    head = "sequence"
    if rule.group_by:
        head += " by " + ", ".join(eql_field(f) for f in rule.group_by)
    lines = [f"{head} with maxspan={rule.within.text}"]
    for step in rule.steps:
        runs = f" with runs={step.count}" if step.count > 1 else ""
        lines.append(f"  [any where {eql_condition(model, step.filter)}]{runs}")
    return "\n".join(lines)


# -- rules -----------------------------------------------------------------------------------
def _fields_of(detection: Detection) -> list[str]:
    rule = detection.rule
    filters: list[Filter] = [getattr(rule, "filter", ())] + [s.filter for s in getattr(rule, "steps", ())]
    names = [f for flt in filters for f, _ in flt] + list(detection.key_fields())
    return sorted(set(names))


def _common(model: LogModel, detection: Detection) -> dict:
    tags = list(dict.fromkeys(["stackgen", model.name, *detection.tags]))
    return {"author": ["stackgen"], "description": detection.description or detection.title,
            "enabled": False, "max_signals": MAX_SIGNALS, "name": detection.title,
            "risk_score": detection.risk_score, "rule_id": rule_id(model, detection),
            "severity": detection.severity, "tags": tags, "version": 1}


def _searching(model: LogModel, detection: Detection, schedule_: tuple[str, str]) -> dict:
    """What rules that search the index share: index, schedule, the fields they need."""
    types = model.document_fields()
    out = {"from": schedule_[1], "index": [model.index_pattern], "interval": schedule_[0],
           "required_fields": [{"name": f, "type": types[f].value} for f in _fields_of(detection) if f in types]}
    if model.time_field != "@timestamp":
        out["timestamp_override"] = model.time_field
        out["timestamp_override_fallback_disabled"] = True
    return out


def rule(model: LogModel, detection: Detection) -> dict | None:
    """The import object of one rule (None for kinds Elastic cannot run)."""
    r = detection.rule
    base = _common(model, detection)
    if isinstance(r, Threshold):
        return {**base, **_searching(model, detection, schedule(r.window.ms)), "language": "kuery",
                "query": kql(r.filter, lambda field, v: _literal(model, field, v)) or "*", "threshold": {"field": list(r.group_by), "value": r.count},
                "type": "threshold"}
    if isinstance(r, Sequence):
        searching = _searching(model, detection, schedule(r.within.ms))
        if "timestamp_override" in searching:  # EQL rules name their time field themselves
            searching["timestamp_field"] = searching.pop("timestamp_override")
            searching.pop("timestamp_override_fallback_disabled")
        return {**base, **searching, "language": "eql", "query": eql(model, r), "type": "eql"}
    if isinstance(r, NewValue):
        return {**base, **_searching(model, detection, (NEW_TERMS_INTERVAL, NEW_TERMS_FROM)),
                "history_window_start": f"now-{r.history.text}", "language": "kuery",
                "new_terms_fields": [*r.group_by, r.field], "query": kql(r.filter, lambda field, v: _literal(model, field, v)) or "*", "type": "new_terms"}
    if isinstance(r, Anomaly):
        every = max(MINUTE_MS, min(r.bucket_span.ms, ML_INTERVAL_MS))
        return {**base, "anomaly_threshold": ANOMALY_THRESHOLD, "from": f"now-{duration(2 * r.bucket_span.ms + every)}",
                "interval": duration(every), "machine_learning_job_id": [job_id(model, detection)],
                "type": "machine_learning"}
    assert isinstance(r, Classified)
    return None


# -- anomaly jobs ----------------------------------------------------------------------------
_ROLES = (("field", "field_name"), ("by", "by_field_name"), ("over", "over_field_name"),
          ("partition", "partition_field_name"))


def job(model: LogModel, detection: Detection) -> dict:
    """The body of `PUT _ml/anomaly_detectors/<job_id>`."""
    r = detection.rule
    assert isinstance(r, Anomaly)
    detector = {"detector_description": detection.title, "function": r.function}
    detector.update({key: getattr(r, role) for role, key in _ROLES if getattr(r, role)})
    influencers = list(dict.fromkeys(getattr(r, role) for role in ("by", "over", "partition") if getattr(r, role)))
    analysis: dict = {"bucket_span": r.bucket_span.text, "detectors": [detector]}
    if influencers:
        analysis["influencers"] = influencers
    return {"analysis_config": analysis,
            "data_description": {"time_field": model.time_field},
            "description": detection.description or detection.title,
            "groups": ["security", "stackgen", model.name]}


def datafeed(model: LogModel, detection: Detection) -> dict:
    """The body of `PUT _ml/datafeeds/datafeed-<job_id>`: every document of the index pattern."""
    return {"indices": [model.index_pattern], "job_id": job_id(model, detection), "query": {"match_all": {}}}


def render(model: LogModel) -> list[Artifact]:
    lines, artifacts = [], []
    for detection in model.detections:
        obj = rule(model, detection)
        if obj is None:
            continue
        lines.append(json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
        if isinstance(detection.rule, Anomaly):
            bundle = {"datafeed": datafeed(model, detection), "job": job(model, detection)}
            artifacts.append(Artifact(f"{ML_DIR}/{job_id(model, detection)}.json",
                                      json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=False) + "\n"))
    if lines:
        artifacts.append(Artifact(RULES_PATH, "\n".join(lines) + "\n"))
    return sorted(artifacts)
