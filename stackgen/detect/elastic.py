"""Stage 6b: detection rules run by Elasticsearch: queries and aggregations over indexed documents.

Each rule is one search: the rule's filter as a query, its groups as a composite aggregation
(absent values in a null bucket), and per group a `scripted_metric` whose Painless reduce runs the
rule over the group's documents in time order (ties by `log.offset`, the record's place in the
replay): the threshold's windows, the sequence's stages. A new value is a composite
bucket of group and value whose earliest time falls after the history. The conventions are those
of `automata`, written a second time in another language on another engine, and compared.
"""
from __future__ import annotations

from stackgen.detect.automata import Alert, ordered
from stackgen.model.detections import Detection, Filter, NewValue, Sequence, Threshold
from stackgen.model.nodes import FieldType, LogModel

PAGE = 500
OFFSET_FIELD = "log.offset"

_COLLECT = "state.e = new ArrayList();"
_COMBINE = "return state.e;"
_GATHER = """
List e = new ArrayList();
for (s in states) { if (s != null) { e.addAll(s); } }
e.sort((a, b) -> { int c = Long.compare((long) a[0], (long) b[0]);
                   return c != 0 ? c : Long.compare((long) a[1], (long) b[1]); });
"""
_TIME = "long t = doc[params.time].value.toInstant().toEpochMilli(); long o = doc[params.offset].value;"

THRESHOLD_MAP = _TIME + " state.e.add([t, o]);"
THRESHOLD_REDUCE = _GATHER + """
List out = new ArrayList(); int n = params.count; long w = params.window; int first = -1; int latest = -1;
for (int i = 0; i + n <= e.size(); i++) {
  if ((long) e[i + n - 1][0] - (long) e[i][0] > w) { continue; }
  if (first >= 0 && (long) e[i][0] <= (long) e[latest][0] + w) { latest = i; continue; }
  if (first >= 0) {
    int last = latest;
    while (last + 1 < e.size() && (long) e[last + 1][0] <= (long) e[latest][0] + w) { last++; }
    out.add([e[first][0], e[last][0], last - first + 1]);
  }
  first = i; latest = i;
}
if (first >= 0) {
  int last = latest;
  while (last + 1 < e.size() && (long) e[last + 1][0] <= (long) e[latest][0] + w) { last++; }
  out.add([e[first][0], e[last][0], last - first + 1]);
}
return out;
"""

SEQUENCE_MAP = _TIME + """
int mask = 0;
for (int s = 0; s < params.steps.size(); s++) {
  boolean ok = true;
  for (def cond : params.steps[s]) {
    String f = cond[0];
    boolean any = false;
    if (doc.containsKey(f)) {
      for (def v : doc[f]) { if (cond[1].contains(String.valueOf(v))) { any = true; break; } }
    }
    if (!any) { ok = false; break; }
  }
  if (ok) { mask |= (1 << s); }
}
state.e.add([t, o, mask]);
"""
SEQUENCE_REDUCE = _GATHER + """
int n = params.stages.size(); long[] st = new long[n]; boolean[] has = new boolean[n]; List out = new ArrayList();
for (def x : e) {
  long t = (long) x[0]; int mask = (int) x[2];
  for (int j = n - 1; j >= 0; j--) {
    if ((mask & (1 << (int) params.stages[j])) == 0) { continue; }
    if (j == 0) { st[0] = t; has[0] = true; continue; }
    if (!has[j - 1]) { continue; }
    long s = st[j - 1]; has[j - 1] = false;
    if (t - s > params.within) { continue; }
    if (j == n - 1) { out.add([s, t, n]); } else { st[j] = s; has[j] = true; }
  }
}
return out;
"""


def query(flt: Filter, time_field: str) -> dict:
    return {"bool": {"filter": [{"exists": {"field": time_field}},
                                *({"terms": {field: list(values)}} for field, values in flt)]}}


def search_bodies(model: LogModel, detection: Detection) -> list[dict]:
    """The first page of each search the rule runs (the specification check reads these)."""
    rule, time = detection.rule, model.time_field
    if isinstance(rule, NewValue):
        return [{"size": 0, "aggs": {"first": {"min": {"field": time}}}},
                _composite(query(rule.filter, time), (*rule.group_by, rule.field), {"first": {"min": {"field": time}}},
                           required=rule.field)]
    params = {"time": time, "offset": OFFSET_FIELD}
    if isinstance(rule, Threshold):
        params.update(count=rule.count, window=rule.window.ms)
        flt, script = query(rule.filter, time), (THRESHOLD_MAP, THRESHOLD_REDUCE)
    elif isinstance(rule, Sequence):
        params.update(within=rule.within.ms, stages=[i for i, s in enumerate(rule.steps) for _ in range(s.count)],
                      steps=[[[f, list(v)] for f, v in s.filter] for s in rule.steps])
        flt = {"bool": {"filter": [{"exists": {"field": time}}], "minimum_should_match": 1,
                        "should": [query(s.filter, time) for s in rule.steps]}}
        script = (SEQUENCE_MAP, SEQUENCE_REDUCE)
    else:
        return []
    metric = {"scripted_metric": {"init_script": _COLLECT, "map_script": script[0], "combine_script": _COMBINE,
                                  "reduce_script": script[1], "params": params}}
    return [_composite(flt, rule.group_by, {"runs": metric})]


def _composite(flt: dict, fields: tuple[str, ...], aggs: dict, required: str | None = None) -> dict:
    sources = [{f"k{i}": {"terms": {"field": f, **({} if f == required else {"missing_bucket": True})}}}
               for i, f in enumerate(fields)]
    if not sources:  # no groups: one bucket for everything
        sources = [{"k": {"terms": {"script": {"source": "'all'", "lang": "painless"}}}}]
    return {"size": 0, "query": flt, "aggs": {"groups": {"composite": {"size": PAGE, "sources": sources},
                                                           "aggs": aggs}}}


def run(model: LogModel, client, index: str) -> list[Alert]:
    """The alerts of the model's rules (classifier rules aside) over the documents of `index`."""
    types = model.document_fields()
    out: list[Alert] = []
    for detection in model.detections:
        bodies = search_bodies(model, detection)
        if not bodies:
            continue
        fields = detection.key_fields()
        if isinstance(detection.rule, NewValue):
            first = client.request("POST", f"/{index}/_search", bodies[0])["aggregations"]["first"]["value"]
            if first is None:
                continue
            learnt_until = int(first) + detection.rule.history.ms
            for key, bucket in _buckets(client, index, bodies[1], fields, types):
                seen = int(bucket["first"]["value"])
                if seen >= learnt_until:
                    out.append(Alert(detection.id, key, seen, seen, 1))
            continue
        for key, bucket in _buckets(client, index, bodies[0], fields, types):
            for start, end, count in bucket["runs"]["value"] or []:
                out.append(Alert(detection.id, key, int(start), int(end), int(count)))
    return ordered(out)


def _buckets(client, index: str, body: dict, fields: tuple[str, ...], types: dict):
    """(key, bucket) of every composite bucket, page after page."""
    while True:
        answer = client.request("POST", f"/{index}/_search", body)["aggregations"]["groups"]
        for bucket in answer["buckets"]:
            values = [bucket["key"].get(f"k{i}") for i in range(len(fields))]
            yield tuple((f, _typed(v, types.get(f))) for f, v in zip(fields, values)), bucket
        after = answer.get("after_key")
        if not after or not answer["buckets"]:
            return
        body = {**body, "aggs": {"groups": {**body["aggs"]["groups"],
                                            "composite": {**body["aggs"]["groups"]["composite"], "after": after}}}}


def _typed(value, kind: FieldType | None):
    if kind is FieldType.BOOLEAN and value is not None and not isinstance(value, bool):
        return value in (1, "true", "T")
    return value
