"""Stage 3: the Elasticsearch ingest pipeline (Filebeat → Elasticsearch without Logstash).

It prints the model's step list (`model/lowering.py`), one or two processors a step, in order;
the local engine interprets the same list. A switch (variants chosen by a discriminator) prints
as a script that picks the case's pipeline with one map lookup and a `pipeline` processor that
runs it, so a document runs its own variant's processors only. Every processor carries the
step's `tag`, so failures and coverage point at the schema. Dates run as one Painless program (java.time: English month
names in any case, offsets, year-less timestamps against a reference time, strict calendars).
"""
from __future__ import annotations

from stackgen.model import steps as S
from stackgen.model.lowering import RAW, lower
from stackgen.model.nodes import LogModel, ORIGINAL_FIELD, TAG_GROK
from stackgen.model.timefmt import parse_format
from stackgen.targets.base import Artifact, painless_string, to_json

NAME = "es_pipeline"
PATH = "elasticsearch/ingest-pipeline.json"
CASES_DIR = "elasticsearch/ingest-pipelines"  # one pipeline per switch case, installed before PATH

# Parses ctx[params.source] with params.formats (java.time patterns or ISO8601/UNIX/UNIX_MS) in
# order; writes the UTC instant with milliseconds to params.target, or tags params.fail_tag.
# A format without a year takes the latest year <= the reference year in which the timestamp
# exists and is at most a day after the reference time (ctx.sg__now, set from _ingest.timestamp
# unless the sender pinned it). Kept free of break/continue inside try (7.10's compiler fails).
DATE_SCRIPT = """
String text = ctx[params.source];
ZonedDateTime now = ctx.sg__now == null ? null : ZonedDateTime.parse(ctx.sg__now);
ZoneId zone = ZoneId.of(params.timezone);
Instant found = null;
for (int f = 0; f < params.formats.size(); f++) {
  String fmt = params.formats.get(f);
  boolean digits = text.length() > 0;
  int dots = 0;
  for (int c = 0; c < text.length(); c++) {
    char ch = text.charAt(c);
    if (ch == (char) '.') { dots++; } else if (ch < (char) '0' || ch > (char) '9') { digits = false; }
  }
  if (found == null && fmt == 'UNIX_MS') {
    if (digits && dots == 0 && text.length() <= 13) { found = Instant.ofEpochMilli(Long.parseLong(text)); }
  } else if (found == null && fmt == 'UNIX') {
    int dot = text.indexOf('.');
    String whole = dot < 0 ? text : text.substring(0, dot);
    String frac = dot < 0 ? '' : text.substring(dot + 1);
    if (digits && dots <= 1 && whole.length() >= 1 && whole.length() <= 10 && frac.length() <= 9
        && !(dot >= 0 && frac.length() == 0)) {
      while (frac.length() < 9) { frac = frac + '0'; }
      found = Instant.ofEpochSecond(Long.parseLong(whole), Long.parseLong(frac));
    }
  } else if (found == null) {
    boolean yearless = params.yearless.get(f) && now != null;
    int tries = yearless ? 8 : 1;
    for (int i = 0; i < tries && found == null; i++) {
      DateTimeFormatterBuilder b = new DateTimeFormatterBuilder().parseCaseInsensitive();
      if (fmt == 'ISO8601') {
        b.append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).optionalStart().appendOffsetId().optionalEnd();
      } else {
        b.appendPattern(fmt);
      }
      if (yearless) { b.parseDefaulting(ChronoField.YEAR, now.getYear() - i); }
      ZonedDateTime z = null;
      try {
        TemporalAccessor t = b.toFormatter(Locale.ROOT).withResolverStyle(ResolverStyle.STRICT).parse(text);
        LocalDateTime local = LocalDateTime.from(t);
        z = t.isSupported(ChronoField.OFFSET_SECONDS)
            ? local.atOffset(ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS))).toZonedDateTime()
            : ZonedDateTime.of(local, zone);
      } catch (DateTimeException e) {
        if (!yearless) { tries = 0; }
      }
      if (z != null && !(yearless && z.toInstant().isAfter(now.toInstant().plusSeconds(86400)))) {
        found = z.toInstant();
      }
    }
  }
}
if (found == null) {
  if (ctx.tags == null) { ctx.tags = new ArrayList(); }
  if (!ctx.tags.contains(params.fail_tag)) { ctx.tags.add(params.fail_tag); }
} else {
  String out = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).format(found.atZone(ZoneOffset.UTC));
  Map node = ctx;
  List parts = params.target_path;
  for (int p = 0; p < parts.size() - 1; p++) {
    if (!(node.get(parts.get(p)) instanceof Map)) { node.put(parts.get(p), new HashMap()); }
    node = (Map) node.get(parts.get(p));
  }
  node.put(parts.get(parts.size() - 1), out);
}
""".strip()


def condition(cond) -> str:
    """A step condition as a Painless expression over the ingest document."""
    if isinstance(cond, S.Exists):
        return f"ctx.{cond.field} != null"
    if isinstance(cond, S.Equals):
        if len(cond.values) == 1:
            return f"ctx.{cond.field} == {painless_string(cond.values[0])}"
        return "[" + ", ".join(painless_string(v) for v in cond.values) + f"].contains(ctx.{cond.field})"
    if isinstance(cond, S.Not):
        return f"!({condition(cond.cond)})"
    if isinstance(cond, (S.All, S.AnyOf)):
        joiner = " && " if isinstance(cond, S.All) else " || "
        return joiner.join(f"({condition(c)})" for c in cond.conds)
    if isinstance(cond, S.Tagged):
        return "ctx.tags != null && (" + " || ".join(f"ctx.tags.contains({painless_string(t)})" for t in cond.tags) + ")"
    if isinstance(cond, S.Flagged):
        return f"ctx.log?.flags instanceof List && ctx.log.flags.contains({painless_string(cond.flag)})"
    raise AssertionError(f"unknown condition {cond!r}")


def _append_tag(tag: str, when=None, label: str = "") -> dict:
    body: dict = {"field": "tags", "value": [tag], "allow_duplicates": False}
    if when is not None:
        body["if"] = condition(when)
    if label:
        body["tag"] = label
    return {"append": body}


def _with(body: dict, step) -> dict:
    when = getattr(step, "when", None)
    if when is not None:
        body["if"] = condition(when)
    body["tag"] = step.tag
    return body


def processors(step, cases: list | None = None, name: str = "") -> list[dict]:
    """The processors printing one step; a switch's cases go to `cases` as (pipeline id, processors)."""
    if isinstance(step, S.Switch):
        return _switch(step, cases, name)
    if isinstance(step, S.Grok):
        body = {"field": step.field, "patterns": list(step.patterns), "pattern_definitions": dict(step.definitions)}
        body = _with(body, step)
        if step.fail_tag:
            body["on_failure"] = [_append_tag(step.fail_tag)]
        else:
            body["ignore_failure"] = True  # no match is not a failure here (message sub-patterns, keys)
        return [{"grok": body}]
    if isinstance(step, S.Set):
        return [{"set": _with({"field": step.field, "value": step.value}, step)}]
    if isinstance(step, S.Move):
        return [{"rename": _with({"field": step.source, "target_field": step.target, "ignore_missing": True}, step)}]
    if isinstance(step, S.Copy):
        # 7.10's set has no copy_from: a triple-mustache template copies the text unescaped
        return [{"set": {"field": step.target, "value": "{{{" + step.source + "}}}",
                         "if": f"ctx.{step.source} != null", "tag": step.tag}}]
    if isinstance(step, S.Convert):
        # The condition is not redundant with ignore_missing: a convert whose field is missing
        # costs ~6 us in Elasticsearch 7.10, the condition ~0.5 us (benchmarks/ingest_throughput.py).
        return [{"convert": {"field": step.source, "target_field": step.target, "type": step.type,
                             "ignore_missing": True, "if": f"ctx.{step.source} != null", "tag": step.tag}}]
    if isinstance(step, S.Split):
        return [{"split": {"field": step.field, "separator": _regex_literal(step.separator), "ignore_missing": True,
                           "tag": step.tag}}]
    if isinstance(step, S.Date):
        formats = [parse_format(f) for f in step.formats]
        path = [step.target] if step.target.startswith("@") else step.target.split(".")
        params = {"source": step.source, "target_path": path, "formats": [f.java for f in formats],
                  "yearless": [not f.has_year for f in formats], "timezone": step.timezone,
                  "fail_tag": step.fail_tag}
        return [{"script": {"lang": "painless", "source": DATE_SCRIPT, "params": params,
                            "if": f"ctx.{step.source} != null", "tag": step.tag}}]
    if isinstance(step, S.Tag):
        return [_append_tag(step.name, step.when, step.tag)]
    if isinstance(step, S.KeepOriginal):
        keep = {"field": RAW, "target_field": ORIGINAL_FIELD, "tag": step.tag}
        if step.keep_when is not None:
            keep["if"] = condition(step.keep_when)
        return [{"rename": keep}, {"remove": {"field": RAW, "ignore_missing": True, "tag": step.tag}}]
    if isinstance(step, S.Remove):
        # One script, not `remove`: 7.10's remove renders each field name as a template over a
        # copy of the whole document, ~100 copies per document here (benchmarks/ingest_throughput.py).
        return [{"script": {"lang": "painless", "source": REMOVE_SCRIPT, "params": {"fields": list(step.fields)},
                            "tag": step.tag}}]
    raise AssertionError(f"no printer for {type(step).__name__}")


REMOVE_SCRIPT = "for (def field : params.fields) { ctx.remove(field); }"

SWITCH_SCRIPT = """
def value = ctx[params.field];
def chosen = value instanceof String ? params.cases.get(value) : null;
ctx[params.target] = chosen == null ? params.default : chosen;
""".strip()


def _switch(step: S.Switch, cases: list | None, name: str) -> list[dict]:
    """A script picks the case's pipeline by one map lookup; one `pipeline` processor runs it."""
    if cases is None:
        raise AssertionError("a switch prints into sub-pipelines: use pipelines()")
    ids = {}
    for case_name, steps in [*((c.name, c.steps) for c in step.cases), ("default", step.default)]:
        ids[case_name] = f"{name}.{case_name}"  # a dot: no model name holds one, so no main id clashes
        cases.append((ids[case_name], [p for s in steps for p in processors(s, cases, name)]))
    params = {"field": step.field, "target": S.CASE_FIELD, "default": ids["default"],
              "cases": {value: ids[case.name] for case in step.cases for value in case.values}}
    choose = _with({"lang": "painless", "source": SWITCH_SCRIPT, "params": params}, step)
    run = _with({"name": "{{" + S.CASE_FIELD + "}}"}, step)
    return [{"script": choose}, {"pipeline": run}]


def _regex_literal(text: str) -> str:
    return "".join("\\" + c if c in "\\^$.|?*+()[]{}" else c for c in text)


def pipelines(model: LogModel, name: str | None = None, switch: bool = True) -> list[tuple[str, dict]]:
    """Every pipeline to install, as (id, `PUT _ingest/pipeline/<id>` body): the switch's case
    pipelines first (named `<name>.<case>`), then the main one, `name` (default: the model's).
    `switch=False`: the flat step list instead (one pipeline; see `lower`)."""
    name = name or model.pipeline_id
    plan = lower(model, switch)
    cases: list[tuple[str, list[dict]]] = []
    out: list[dict] = []
    if plan.needs_now:
        out.append({"set": {"field": S.NOW_FIELD, "value": "{{_ingest.timestamp}}", "override": False,
                            "tag": "now"}})
    for step in plan.steps:
        out += processors(step, cases, name)
    subs = [(pid, {"description": f"stackgen: {model.title} ({model.name}), case {pid[len(name) + 1:]}",
                   "processors": procs}) for pid, procs in cases]
    return [*subs, (name, {
        "description": f"stackgen: {model.title} ({model.name})",
        "processors": out,
        "on_failure": [
            _append_tag(TAG_GROK),
            {"rename": {"field": RAW, "target_field": ORIGINAL_FIELD, "ignore_missing": True}},
            {"remove": {"field": list(plan.temporaries), "ignore_missing": True}},
        ],
    })]


def body(model: LogModel) -> dict:
    """The main pipeline under the model's own id (its cases are in `pipelines`)."""
    return pipelines(model)[-1][1]


def render(model: LogModel) -> list[Artifact]:
    *subs, (_, main) = pipelines(model)
    return [Artifact(PATH, to_json(main)), *(Artifact(f"{CASES_DIR}/{pid}.json", to_json(b)) for pid, b in subs)]
