"""Real-tool check: detection rules and anomaly jobs, against Elastic's specifications.

What cannot be run here (Kibana's Security app, licensed machine learning) is checked against what
Elastic publishes, in three parts:
- **Elasticsearch requests**, through the Elasticsearch 9 request specification (`esspec`): each
  job and datafeed as `PUT _ml/anomaly_detectors/<id>` and `PUT _ml/datafeeds/<id>`, each EQL
  rule's query as the `POST <index>/_eql/search` Kibana sends; then what the specification types
  only as strings, from Elasticsearch's documentation and its `Detector` validation: job and
  datafeed ids, the detector function and the fields it needs or refuses, time values;
- **Kibana's rule schema**, written below as data from Kibana's OpenAPI definitions of the rule
  import and create APIs (https://www.elastic.co/docs/api/doc/kibana/operation/operation-importrules,
  https://www.elastic.co/docs/api/doc/kibana/operation/operation-createrule; source:
  x-pack/plugins/security_solution/common/api/detection_engine/model/rule_schema/
  rule_schemas.schema.yaml, common_attributes.schema.yaml, specific_attributes/*.schema.yaml):
  required fields per type, types, enums (type, severity, language), bounds (risk_score 0-100,
  version >= 1, max_signals >= 1, threshold.value >= 1, 1-3 new_terms_fields, anomaly_threshold
  >= 0); a field the schema does not have is reported (Kibana would drop it silently on import);
- **what Kibana checks when it runs a rule**: a new-terms history starting before the rule's look-back
  (Kibana refuses it), a look-back shorter than the interval (gaps between runs), and the EQL query
  against the EQL syntax reference (`stackgen.checks.eql`).
Every problem names the rule (`rule_id (name)`) or the job it belongs to.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from stackgen.checks.eql import eql_problems
from stackgen.checks.esspec import Spec

Check = Callable[[object], "str | None"]  # None when the value is accepted, else what is wrong


# -- value checks (the OpenAPI types) ---------------------------------------------------------
def string(min_length: int = 0) -> Check:
    def check(v):
        if not isinstance(v, str):
            return f"expected a string, got {_kind(v)}"
        return f"must not be shorter than {min_length}" if len(v) < min_length else None
    return check


def integer(low: int | None = None, high: int | None = None) -> Check:
    def check(v):
        if not isinstance(v, int) or isinstance(v, bool):
            return f"expected an integer, got {_kind(v)}"
        if (low is not None and v < low) or (high is not None and v > high):
            return f"{v} is outside {low if low is not None else '-inf'}..{high if high is not None else 'inf'}"
        return None
    return check


def boolean(v):
    return None if isinstance(v, bool) else f"expected a boolean, got {_kind(v)}"


def enum(*values: str) -> Check:
    return lambda v: None if v in values else f"{v!r} is not one of {', '.join(values)}"


def array(item: Check | None = None, low: int = 0, high: int | None = None) -> Check:
    def check(v):
        if not isinstance(v, list):
            return f"expected an array, got {_kind(v)}"
        if len(v) < low or (high is not None and len(v) > high):
            return f"holds {len(v)} items, expected {low} to {high if high is not None else 'any'}"
        for i, x in enumerate(v):
            if item is not None and (problem := item(x)) is not None:
                return f"[{i}]: {problem}"
        return None
    return check


def obj(fields: dict[str, tuple[Check, bool]] | None = None) -> Check:
    """An object; with `fields` (name -> (check, required)) also its members, none other."""
    def check(v):
        if not isinstance(v, dict):
            return f"expected an object, got {_kind(v)}"
        if fields is None:
            return None
        problems = [f"{k}: {p}" for k, p in _members(v, fields)]
        return "; ".join(problems) or None
    return check


def one_of(*checks: Check) -> Check:
    def check(v):
        problems = [c(v) for c in checks]
        return None if None in problems else " or ".join(p for p in problems if p)
    return check


ANY: Check = lambda v: None
STRINGS = array(string())
SEVERITY = enum("low", "medium", "high", "critical")
KQL_LANGUAGE = enum("kuery", "lucene")
RULE_TYPES = ("eql", "query", "saved_query", "threshold", "threat_match", "machine_learning", "new_terms", "esql")

# -- Kibana's rule schema, as data ------------------------------------------------------------
# BaseRequiredFields, BaseOptionalFields, BaseDefaultableFields, and for import (RuleToImport):
# rule_id required, ResponseFields optional.
COMMON: dict[str, tuple[Check, bool]] = {
    "name": (string(1), True), "description": (string(1), True),
    "risk_score": (integer(0, 100), True), "severity": (SEVERITY, True), "rule_id": (string(), True),
    "rule_name_override": (string(), False), "timestamp_override": (string(), False),
    "timestamp_override_fallback_disabled": (boolean, False), "timeline_id": (string(), False),
    "timeline_title": (string(), False), "license": (string(), False), "note": (string(), False),
    "building_block_type": (string(), False), "output_index": (string(), False),
    "namespace": (string(), False), "meta": (obj(), False), "investigation_fields": (obj(), False),
    "throttle": (string(), False), "outcome": (string(), False), "alias_target_id": (string(), False),
    "alias_purpose": (string(), False),
    "version": (integer(1), False), "tags": (STRINGS, False), "enabled": (boolean, False),
    "risk_score_mapping": (array(obj()), False), "severity_mapping": (array(obj()), False),
    "interval": (string(), False), "from": (string(), False), "to": (string(), False),
    "actions": (array(obj()), False), "exceptions_list": (array(obj()), False),
    "author": (STRINGS, False), "false_positives": (STRINGS, False), "references": (STRINGS, False),
    "max_signals": (integer(1), False), "threat": (array(obj()), False), "setup": (string(), False),
    "id": (string(), False), "immutable": (boolean, False), "updated_at": (string(), False),
    "updated_by": (string(), False), "created_at": (string(), False), "created_by": (string(), False),
    "revision": (integer(0), False), "related_integrations": (array(obj()), False),
    "required_fields": (array(obj({"name": (string(1), True), "type": (string(1), True),
                                   "ecs": (boolean, False)})), False),
    "execution_summary": (obj(), False),
}
_SEARCHED = {"index": (STRINGS, False), "data_view_id": (string(), False), "filters": (array(ANY), False),
             "alert_suppression": (obj(), False)}
THRESHOLD = obj({"field": (one_of(string(), STRINGS), True), "value": (integer(1), True),
                 "cardinality": (array(obj({"field": (string(), True), "value": (integer(0), True)})), False)})
TYPES: dict[str, dict[str, tuple[Check, bool]]] = {
    "eql": {"query": (string(), True), "language": (enum("eql"), True), **_SEARCHED,
            "event_category_override": (string(), False), "tiebreaker_field": (string(), False),
            "timestamp_field": (string(), False)},
    "query": {"query": (string(), False), "language": (KQL_LANGUAGE, False), **_SEARCHED,
              "saved_id": (string(), False), "response_actions": (array(obj()), False)},
    "threshold": {"query": (string(), True), "threshold": (THRESHOLD, True), "language": (KQL_LANGUAGE, False),
                  **_SEARCHED, "saved_id": (string(), False)},
    "new_terms": {"query": (string(), True), "new_terms_fields": (array(string(), 1, 3), True),
                  "history_window_start": (string(1), True), "language": (KQL_LANGUAGE, False), **_SEARCHED},
    "machine_learning": {"machine_learning_job_id": (one_of(string(), array(string(), 1)), True),
                         "anomaly_threshold": (integer(0), True), "alert_suppression": (obj(), False)},
}

# -- Elasticsearch's anomaly detectors (Detector's validation) --------------------------------
COUNT_FUNCTIONS = {"count", "high_count", "low_count", "non_zero_count", "nzc", "low_non_zero_count", "low_nzc",
                   "high_non_zero_count", "high_nzc", "time_of_day", "time_of_week"}
FIELD_FUNCTIONS = {"distinct_count", "dc", "low_distinct_count", "low_dc", "high_distinct_count", "high_dc",
                   "info_content", "low_info_content", "high_info_content", "metric", "mean", "avg", "high_mean",
                   "high_avg", "low_mean", "low_avg", "median", "low_median", "high_median", "min", "max", "sum",
                   "low_sum", "high_sum", "non_null_sum", "low_non_null_sum", "high_non_null_sum", "varp",
                   "low_varp", "high_varp", "lat_long"}
FUNCTIONS = COUNT_FUNCTIONS | FIELD_FUNCTIONS | {"rare", "freq_rare"}
NO_OVER = {"non_zero_count", "nzc", "low_non_zero_count", "low_nzc", "high_non_zero_count", "high_nzc",
           "non_null_sum", "low_non_null_sum", "high_non_null_sum"}
ML_ID = re.compile(r"[a-z0-9](?:[a-z0-9_\-]{0,62}[a-z0-9])?")
TIME_VALUE = re.compile(r"[1-9][0-9]*(?:nanos|micros|ms|s|m|h|d)")
DATE_MATH = re.compile(r"now(?:-([1-9][0-9]*)([smhd]))?")
INTERVAL = re.compile(r"([1-9][0-9]*)([smhd])")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def check_rule(rule: dict) -> list[str]:
    """Problems of one rule object against Kibana's import schema and run-time checks."""
    if not isinstance(rule, dict):
        return [f"a rule is an object, got {_kind(rule)}"]
    kind = rule.get("type")
    if kind not in RULE_TYPES:
        return [f"{_who(rule)}: type {kind!r} is not one of {', '.join(RULE_TYPES)}"]
    if kind not in TYPES:
        return [f"{_who(rule)}: type {kind!r} is one stackgen does not render, not checked here"]
    problems = [f"{name}: {p}" for name, p in _members({k: v for k, v in rule.items() if k != "type"},
                                                        {**COMMON, **TYPES[kind]})]
    problems += _schedule(rule)
    if kind == "eql" and isinstance(rule.get("query"), str):
        problems += [f"query: {p}" for p in eql_problems(rule["query"])]
    return [f"{_who(rule)}: {p}" for p in problems]


def _schedule(rule: dict) -> list[str]:
    interval, start = rule.get("interval", "5m"), rule.get("from", "now-6m")
    i, f = INTERVAL.fullmatch(str(interval)), DATE_MATH.fullmatch(str(start))
    problems = [] if i else [f"interval: {interval!r} is not a time interval (<n>s, m, h or d)"]
    problems += [] if f else [f"from: {start!r} is not a relative date-math `now-<n><unit>`"]
    if not (i and f):
        return problems
    every, back = int(i[1]) * UNIT_S[i[2]], int(f[1] or 0) * UNIT_S[f[2] or "s"]
    if back < every:
        problems.append(f"from: looks back {back}s, less than the {every}s interval: "
                        "documents between runs are never searched")
    history = rule.get("history_window_start")
    if rule.get("type") == "new_terms" and isinstance(history, str):
        h = DATE_MATH.fullmatch(history)
        if h is None or not h[1]:
            problems.append(f"history_window_start: {history!r} is not a relative date-math `now-<n><unit>`")
        elif int(h[1]) * UNIT_S[h[2]] <= back:
            problems.append("history_window_start: must be earlier than `from` (Kibana refuses a history "
                            "window smaller than the interval and additional look-back)")
    return problems


# -- Elasticsearch requests --------------------------------------------------------------------
def eql_request(rule: dict) -> tuple[str, str, dict]:
    """The EQL search Kibana runs for an EQL rule: its index, query, time field and look-back."""
    index = ",".join(rule.get("index") or ["*"]) if isinstance(rule.get("index"), list) else "*"
    time_field = rule.get("timestamp_field", "@timestamp")
    body = {"query": rule.get("query"), "timestamp_field": time_field, "size": rule.get("max_signals", 100),
            "filter": {"range": {time_field: {"gte": rule.get("from", "now-6m"), "lte": "now"}}}}
    if "tiebreaker_field" in rule:
        body["tiebreaker_field"] = rule["tiebreaker_field"]
    return "POST", f"/{index}/_eql/search", body


def check_ml(spec: Spec, job_id: str, job, datafeed_id: str, datafeed) -> list[str]:
    """A job and its datafeed: their creating requests through the specification, then the ids,
    the detectors and the datafeed's job as Elasticsearch validates them."""
    problems = spec.check_request("PUT", f"/_ml/anomaly_detectors/{job_id}", job)
    problems += spec.check_request("PUT", f"/_ml/datafeeds/{datafeed_id}", datafeed)
    for kind, ident in (("job", job_id), ("datafeed", datafeed_id)):
        if not ML_ID.fullmatch(ident):
            problems.append(f"{kind} id {ident!r}: lowercase letters, digits, hyphens and underscores, starting "
                            "and ending with a letter or digit, at most 64 characters")
    if isinstance(datafeed, dict) and datafeed.get("job_id", job_id) != job_id:
        problems.append(f"datafeed {datafeed_id}: job_id {datafeed.get('job_id')!r} is not {job_id!r}")
    analysis = job.get("analysis_config") if isinstance(job, dict) else None
    if isinstance(analysis, dict):
        span = analysis.get("bucket_span")
        if span is not None and not (isinstance(span, str) and TIME_VALUE.fullmatch(span)):
            problems.append(f"analysis_config.bucket_span: {span!r} is not a time value")
        for i, detector in enumerate(analysis.get("detectors") or []):
            if isinstance(detector, dict):
                problems += [f"analysis_config.detectors[{i}]: {p}" for p in _detector(detector)]
    return [f"job {job_id}: {p}" for p in problems]


def _detector(d: dict) -> list[str]:
    function = d.get("function")
    if function not in FUNCTIONS:
        return [f"function {function!r} is not an anomaly detection function"]
    problems = []
    if function in FIELD_FUNCTIONS and not d.get("field_name"):
        problems.append(f"the function {function} needs a field_name")
    if function not in FIELD_FUNCTIONS and d.get("field_name"):
        problems.append(f"field_name cannot be used with the function {function}")
    if function in ("rare", "freq_rare") and not d.get("by_field_name"):
        problems.append(f"the function {function} needs a by_field_name")
    if function == "freq_rare" and not d.get("over_field_name"):
        problems.append("the function freq_rare needs an over_field_name")
    if function in NO_OVER and d.get("over_field_name"):
        problems.append(f"over_field_name cannot be used with the function {function}")
    return problems


def check_bundle(spec: Spec, artifacts: dict[str, str]) -> list[str]:
    """Every rule of `kibana/detection-rules.ndjson` and every job of `elasticsearch/ml/` among the
    rendered artifacts (path -> text): schema, requests, and that each ML rule's job is rendered."""
    problems, jobs = [], {}
    for path, text in sorted(artifacts.items()):
        if path.startswith("elasticsearch/ml/") and path.endswith(".json"):
            ident = path.rsplit("/", 1)[1][:-len(".json")]
            try:
                data = json.loads(text)
            except ValueError as exc:
                problems.append(f"{path}: not JSON ({exc})")
                continue
            jobs[ident] = data
            problems += check_ml(spec, ident, data.get("job"), f"datafeed-{ident}", data.get("datafeed"))
    seen: set[str] = set()
    for n, line in enumerate(artifacts.get("kibana/detection-rules.ndjson", "").splitlines(), 1):
        try:
            rule = json.loads(line)
        except ValueError as exc:
            problems.append(f"kibana/detection-rules.ndjson line {n}: not JSON ({exc})")
            continue
        problems += check_rule(rule)
        if isinstance(rule, dict):
            problems += [f"{_who(rule)}: {p}" for p in _bundle_rule(spec, rule, jobs, seen)]
    return problems


def _bundle_rule(spec: Spec, rule: dict, jobs: dict, seen: set[str]) -> Iterable[str]:
    if rule.get("rule_id") in seen:
        yield "rule_id is not unique in the bundle"
    seen.add(rule.get("rule_id"))
    if rule.get("type") == "eql":
        yield from spec.check_request(*eql_request(rule))
    if rule.get("type") == "machine_learning":
        ids = rule.get("machine_learning_job_id")
        for ident in [ids] if isinstance(ids, str) else ids if isinstance(ids, list) else []:
            if ident not in jobs:
                yield f"machine_learning_job_id {ident!r}: no such job among the rendered ones"


def _members(value: dict, fields: dict[str, tuple[Check, bool]]) -> list[tuple[str, str]]:
    out = [(k, "is not a field of Kibana's rule schema (dropped on import)") for k in value if k not in fields]
    out += [(k, p) for k, v in value.items() if k in fields and (p := fields[k][0](v)) is not None]
    out += [(k, "is required") for k, (_, required) in fields.items() if required and k not in value]
    return out


def _who(rule: dict) -> str:
    return f"{rule.get('rule_id', '?')} ({rule.get('name', '?')})"


def _kind(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")
