"""Property-based fuzzing (Hypothesis) of the schema reader, the renderers and both engines.

Properties (the generators are in tests/fuzzgen.py):
1. `parse_schema` raises nothing but `SchemaError`, whose diagnostics all carry file:line:col (inside
   the text) and an SGnnn code: for YAML-ish text and for generated schemas with mutations (keys
   dropped, values of the wrong type, odd strings in titles, separators, templates, patterns, date
   formats, key lists). A mutated schema that is still accepted must render and run. Schemas with
   the constructs that were bugs and are now refused (fuzzgen.REFUSED: targets on fields stackgen or
   Elasticsearch own, regex features whose meaning differs between Joni and the local engine, odd
   date formats, time zones the JVM lacks, ...) keep being drawn: refused cleanly, or working.
2. Every generated schema (delimited layouts with random visible separators; templates with slots,
   literals, blanks, optional and quoted parts; first-match variants with `when`; key lists (pairs
   and parens); lists with `split`/`first`; ip/host targets; dates in many formats, with month and
   day names, year-less with `verify.now`, offsets, ISO8601, UNIX; typed values; null values;
   labels) is accepted, renders without error and deterministically, gives a JSON ingest pipeline
   and index template that a real Elasticsearch 7.10.2 node accepts, and a Logstash config.
3. For generated records (mostly fitting, plus noise: separators, quotes, newlines, tabs, CR,
   Unicode with astral characters, ~20k-character and empty values): lines in = documents out,
   every tagged document keeps its record in `event.original` (and an untagged one has none),
   documents hold only declared fields with the declared JSON types (dates as ISO 8601 UTC), and the
   local engine's documents equal the embedded node's after `normalize` (up to 40 records per node
   round trip).

The bugs the fuzzer found are kept, minimised, in REPRODUCTIONS (no node), ENGINE_REPRODUCTIONS (the
node) and test_reproduction_* functions: one test each, asserting what should happen (refusing the
schema counts as a fix where that is a fair answer).

Budget: a fixed, derandomized number of examples per test, without shrinking (a failure shows the
generated schema and records as drawn); the whole file runs in about a minute, the embedded node's
start included. On demand, for a longer hunt:

    STACKGEN_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/test_fuzz.py

sets the number of examples of every local test to 2000 and of the node tests to a quarter of it
(0.1 to 0.6 s per node example: an index, a pipeline and a template are made and deleted each
time). STACKGEN_FUZZ_RANDOM=1 draws new examples instead of the fixed sequence (Hypothesis then
prints a `@reproduce_failure` blob); STACKGEN_FUZZ_SHRINK=1 lets Hypothesis minimise failing
examples (slow on the node tests). STACKGEN_FUZZ_OFF=a,b,... turns generator features off (names in
fuzzgen.ENABLED, e.g. `extreme_years,folding`) to hunt past a bug already found. `-m "not engine"`
leaves out the tests that need the node.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import uuid

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import stackgen
from stackgen import realtools
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.errors import Diagnostic, SchemaError
from stackgen.model.nodes import FieldType
from stackgen.verify.compare import diff_documents, normalize

import fuzzgen

EXAMPLES = int(os.environ.get("STACKGEN_FUZZ_EXAMPLES", "0") or 0)
RANDOM = bool(os.environ.get("STACKGEN_FUZZ_RANDOM"))
SHRINK = bool(os.environ.get("STACKGEN_FUZZ_SHRINK"))
FILE = "fuzz.yaml"
for _switch in filter(None, os.environ.get("STACKGEN_FUZZ_OFF", "").split(",")):
    if _switch not in fuzzgen.ENABLED:
        raise ValueError(f"STACKGEN_FUZZ_OFF: unknown switch {_switch!r} (one of {', '.join(fuzzgen.ENABLED)})")
    fuzzgen.ENABLED[_switch] = False


def budget(default: int, engine: bool = False):
    count = max(default, EXAMPLES // 4) if engine and EXAMPLES else (EXAMPLES or default)
    phases = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target] + ([Phase.shrink] if SHRINK else [])
    return settings(max_examples=count, derandomize=not RANDOM, deadline=None, database=None, phases=phases,
                    print_blob=RANDOM, suppress_health_check=list(HealthCheck))


# -- checks shared by the properties and the reproductions ------------------------------------------

def check_schema_error(text: str, error: SchemaError) -> None:
    """Every diagnostic points into the text and has a stable code; the message formats."""
    assert error.diagnostics, "a SchemaError without diagnostics"
    lines = text.count("\n") + 1
    for d in error.diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.file == FILE, d
        assert isinstance(d.line, int) and 1 <= d.line <= lines + 1, f"line out of the text ({lines} lines): {d}"
        assert isinstance(d.col, int) and d.col >= 1, d
        assert re.fullmatch(r"SG\d{3}", d.code), d
        assert d.message, d
        assert str(d).startswith(f"{FILE}:{d.line}:{d.col}: {d.code}"), d
    assert error.format()


def parse_or_schema_error(text: str):
    """The model, or None after checking the SchemaError; any other exception fails the test."""
    try:
        return stackgen.parse_schema(text, FILE)
    except SchemaError as error:
        check_schema_error(text, error)
        return None


def accepted(case: fuzzgen.Case):
    """The model of a generated schema, which must be valid."""
    note(case.text)
    try:
        return stackgen.parse_schema(case.text, FILE)
    except SchemaError as error:
        pytest.fail(f"a valid generated schema was refused:\n{case.text}\n{error.format()}", pytrace=False)


def rendered(model) -> dict[str, str]:
    files = {a.path: a.content for a in stackgen.render(model)}
    assert all(isinstance(c, str) for c in files.values())
    return files


def pipeline_body(files: dict[str, str]) -> dict:
    return json.loads(files["elasticsearch/ingest-pipeline.json"])


def records_for(model, text: str):
    return frame(model, text.encode("utf-8"), "fuzz.log")


_JSON = {FieldType.KEYWORD: str, FieldType.TEXT: str, FieldType.IP: str, FieldType.DATE: str,
         FieldType.INTEGER: int, FieldType.LONG: int, FieldType.FLOAT: (int, float), FieldType.DOUBLE: (int, float),
         FieldType.BOOLEAN: bool}
_INSTANT = re.compile(r"[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def field_problems(model, doc: dict) -> list[str]:
    """Fields the schema does not declare, values of another JSON type, dates that are not UTC instants."""
    declared = model.document_fields()
    lists = {"tags", *(v.target for v in model.values if v.split)}
    problems = []

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if path in declared:
                kind = declared[path]
                items = value if isinstance(value, list) and path in lists else [value]
                for item in items:
                    if not isinstance(item, _JSON[kind]) or (isinstance(item, bool) and kind is not FieldType.BOOLEAN):
                        problems.append(f"field {path!r} holds {item!r}, not a {kind.value}")
                    elif kind is FieldType.DATE and not _INSTANT.fullmatch(item):
                        problems.append(f"date field {path!r} holds {item!r}, not a UTC instant")
            elif isinstance(value, dict) and not key.startswith("@"):
                walk(value, path)
            else:
                problems.append(f"field {path!r} is not declared by the schema")

    walk(doc, "")
    return problems


def check_documents(model, records, docs) -> None:
    """Lines in = documents out; a failed record is tagged and keeps its text; only declared fields."""
    assert len(docs) == len(records), f"{len(records)} records in, {len(docs)} documents out"
    for record, doc in zip(records, docs):
        where = f"record {record.text!r}\ndocument {doc!r}"
        json.dumps(doc)
        assert not (problems := field_problems(model, doc)), f"{problems}\n{where}"
        tags = doc.get("tags", [])
        assert isinstance(tags, list) and all(isinstance(t, str) for t in tags) and len(set(tags)) == len(tags), where
        original = (doc.get("event") or {}).get("original") if isinstance(doc.get("event"), dict) else None
        if tags or model.keep_original == "always":
            assert original == record.text, f"event.original is not the record\n{where}"
        else:
            assert original is None, f"an untagged document has event.original\n{where}"


def local_documents(model, records) -> list[dict]:
    docs = LocalEngine(model).documents(records)
    check_documents(model, records, docs)
    return docs


def engines_agree(client, model, records) -> None:
    """Local documents == the node's (normalised), both checked; nothing wrong with the index."""
    local = local_documents(model, records)
    engine = ElasticsearchEngine(model, client)
    remote = engine.documents(records)
    assert len(remote) == len(records), f"{len(records)} records in, {len(remote)} documents out"
    diff = diff_documents([normalize(model, d) for d in local], [normalize(model, d) for d in remote], "fuzz.log")
    assert diff == "", f"local (want) != Elasticsearch (got):\n{diff}"
    check_documents(model, records, remote)
    assert engine.problems == []


# -- 1. the schema reader: only SchemaError ----------------------------------------------------------

@budget(600)
@given(fuzzgen.yamlish())
def test_parse_schema_raises_only_schema_errors_on_yamlish_text(text):
    model = parse_or_schema_error(text)
    if model is not None:
        rendered(model)


@budget(150)
@given(st.data())
def test_parse_schema_raises_only_schema_errors_on_mutated_schemas(data):
    case = data.draw(fuzzgen.schemas(everything=data.draw(st.booleans(), label="everything")), label="schema")
    text = data.draw(fuzzgen.mutated(case), label="mutated")
    model = parse_or_schema_error(text)
    if model is None:
        return
    # still valid: it must render and run like any other schema
    rendered(model)
    local_documents(model, records_for(model, data.draw(fuzzgen.log_text(case, max_records=5), label="log")))


@budget(150)
@given(st.data())
def test_schemas_with_refused_constructs_are_refused_cleanly_or_work(data):
    """The constructs of bugs fixed by refusing them (fuzzgen.REFUSED) are still drawn: refused, or working."""
    case = data.draw(fuzzgen.schemas(everything=True), label="schema")
    model = parse_or_schema_error(case.text)
    if model is None:
        return
    rendered(model)
    local_documents(model, records_for(model, data.draw(fuzzgen.log_text(case, max_records=10), label="log")))


# -- 2. valid schemas render -----------------------------------------------------------------------

@budget(200)
@given(fuzzgen.schemas())
def test_generated_schemas_are_accepted_and_render(case):
    model = accepted(case)
    files = rendered(model)
    assert rendered(model) == files, "rendering is not deterministic"
    body = pipeline_body(files)
    assert body["processors"] and all(len(p) == 1 for p in body["processors"])
    json.loads(files["elasticsearch/index-template.json"])
    conf = files[f"logstash/pipeline/{model.name}.conf"]
    assert "filter {" in conf and conf.endswith("\n")
    for line in files["kibana/saved-objects.ndjson"].splitlines():
        json.loads(line)


@pytest.fixture(scope="module")
def spec():
    from stackgen.checks.esspec import Spec

    return Spec(realtools.require("es-spec"))


@budget(100)
@given(case=fuzzgen.schemas())
def test_generated_schemas_render_what_the_real_grammar_and_specification_accept(spec, tmp_path_factory, case):
    """Logstash's grammar (mustache) and the Elasticsearch 9 request specification, on every
    construct the generator knows."""
    model = accepted(case)
    files = rendered(model)
    conf = tmp_path_factory.mktemp("fuzz-logstash") / "pipeline.conf"
    conf.write_text(files[f"logstash/pipeline/{model.name}.conf"], encoding="utf-8")
    check = subprocess.run([str(realtools.require("mustache")), "check", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert spec.check_request("PUT", "/_ingest/pipeline/p", pipeline_body(files)) == []
    assert spec.check_request("PUT", "/_index_template/t", json.loads(files["elasticsearch/index-template.json"])) == []


# -- 3. the local engine on generated records ------------------------------------------------------------

@budget(200)
@given(st.data())
def test_local_engine_keeps_every_record(data):
    case = data.draw(fuzzgen.schemas(), label="schema")
    model = accepted(case)
    text = data.draw(fuzzgen.log_text(case), label="log")
    records = records_for(model, text)
    if model.multiline is None:
        lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
        assert [r.text for r in records] == [line for line in lines if line], "framing lost or changed lines"
    local_documents(model, records)


# -- 2 and 3 on the real node ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(es_url):
    c = connect(es_url)
    yield c
    c.close()


@pytest.mark.engine
@budget(100, engine=True)
@given(data=st.data())
def test_rendered_pipeline_and_template_are_accepted_by_elasticsearch(client, data):
    everything = data.draw(st.sampled_from([False, False, False, True]), label="everything")
    case = data.draw(fuzzgen.schemas(everything=everything), label="schema")
    model = parse_or_schema_error(case.text) if everything else accepted(case)
    if model is None:
        return
    files = rendered(model)
    name = f"stackgen-fuzz-{uuid.uuid4().hex[:8]}"
    try:
        client.request("PUT", f"/_ingest/pipeline/{name}", pipeline_body(files))
        template = json.loads(files["elasticsearch/index-template.json"])
        template["index_patterns"] = [f"{name}-*"]
        client.request("PUT", f"/_index_template/{name}", template)
    finally:
        client.request("DELETE", f"/_ingest/pipeline/{name}", allow=(404,))
        client.request("DELETE", f"/_index_template/{name}", allow=(404,))


@pytest.mark.engine
@budget(80, engine=True)
@given(data=st.data())
def test_local_engine_equals_elasticsearch(client, data):
    everything = data.draw(st.sampled_from([False, False, False, True]), label="everything")
    case = data.draw(fuzzgen.schemas(everything=everything), label="schema")
    model = parse_or_schema_error(case.text) if everything else accepted(case)
    if model is None:
        return
    rendered(model)
    records = records_for(model, data.draw(fuzzgen.log_text(case, min_records=5, max_records=40), label="log"))
    if records:
        engines_agree(client, model, records)


# -- the bugs found, minimised -------------------------------------------------------------------------------

def schema(values: str, layout: str = "layout: {separator: '|', head: [ts]}", extra: str = "",
           ts: str = "{type: date, format: UNIX, timezone: UTC, target: '@timestamp'}") -> str:
    """A small schema: `ts` (the timestamp) plus `values`, in `layout`."""
    return (f"schema_version: 2\nname: r\nsource: {{paths: [/x.log]}}\n{layout}\ntimestamp: ts\n{extra}\n"
            f"values:\n  ts: {ts}\n" + textwrap.indent(textwrap.dedent(values).strip("\n"), "  ") + "\n")


VALID = schema("")
DELIMITED = "layout: {separator: '|', head: [ts, v]}"

# (id, schema text, log lines): the schema is refused with a SchemaError, or it renders and the local
# engine keeps every record (check_documents).
REPRODUCTIONS = [
    # YAML scalars whose construction raises (not SchemaError)
    ("yaml-invalid-implicit-date", VALID + "title: 2001-02-30\n", []),
    ("yaml-bad-int-tag", VALID + "title: !!int abc\n", []),
    ("yaml-bad-bool-tag", VALID + "title: !!bool maybe\n", []),
    ("yaml-bad-float-tag", VALID + "title: !!float y\n", []),
    ("yaml-bad-timestamp-tag", VALID + "title: !!timestamp x\n", []),
    ("yaml-timestamp-offset-out-of-range", VALID + "title: 2001-12-14t21:59:43.10-25:00\n", []),
    # a target that is a prefix of event.original: es_template crashes (KeyError 'properties')
    ("target-event", schema("v: {target: event}", DELIMITED), ["1|x"]),
    # a list whose `first` is the list itself: RecursionError in the lowering
    ("first-is-itself", schema("v: {split: ',', first: v}", DELIMITED), ["1|a,b"]),
    # targets under fields stackgen writes itself: the local engine crashes
    ("also-under-message", schema("v: {also: [message.x]}", DELIMITED), ["1|x"]),
    ("target-under-tags", schema("v: {target: tags.x}", DELIMITED), ["1|x", "x|x"]),
    # targets that overwrite the raw record before it is kept: event.original is not the record
    ("label-target-message", schema("v: {labels: {'1': one}, label_target: message}", DELIMITED), ["x|1"]),
    ("ip-target-message", schema("v: {ip_target: message}", DELIMITED), ["x|10.0.0.1"]),
    # a target under event.original: an untagged document gets event.original
    ("also-under-event-original", schema("v: {also: [event.original.x]}", DELIMITED), ["1|x"]),
    # offsets of 24 hours or more: ValueError in timefmt._offset
    ("offset-24h", schema("", ts="{type: date, format: \"yyyy-MM-dd'T'HH:mm:ssXXX\", timezone: UTC, "
                                 "target: '@timestamp'}"), ["2024-01-01T00:00:00+24:00"]),
    # instants outside years 1..9999 in UTC: OverflowError
    ("year-9999-west-of-utc", schema("", ts="{type: date, format: ISO8601, timezone: America/New_York, "
                                            "target: '@timestamp'}"), ["9999-12-31T23:00:00"]),
    ("year-1-east-of-utc", schema("", ts="{type: date, format: ISO8601, timezone: Asia/Tokyo, "
                                         "target: '@timestamp'}"), ["0001-01-01T00:00:00"]),
    # years below 1000 are written without their leading zeros ("1-01-01T04:56:02.000Z")
    ("year-below-1000-unpadded", schema("", ts="{type: date, format: ISO8601, timezone: UTC, "
                                               "target: '@timestamp'}"), ["0999-01-01T00:00:00"]),
]


@pytest.mark.parametrize("text, lines", [pytest.param(t, lines, id=i) for i, t, lines in REPRODUCTIONS])
def test_reproduction(text, lines):
    model = parse_or_schema_error(text)
    if model is None:
        return  # refusing the schema is a fix
    rendered(model)
    local_documents(model, records_for(model, "\n".join(lines) + "\n"))


def test_reproduction_positions_count_unicode_line_separators():
    """U+2028 (and U+0085) inside a scalar count as line breaks: `title` is on line 2, reported on 3."""
    text = "schema_version: ['a\u2028b']\ntitle: []\n"
    with pytest.raises(SchemaError) as info:
        stackgen.parse_schema(text, FILE)
    (title,) = [d for d in info.value.diagnostics if d.path == "title"]
    assert title.line == 2, str(title)


def test_reproduction_a_variant_of_literal_text_claims_its_body():
    """`pattern: '-- MARK --'` (no slot) is read as "the record ended after the head": never claimed."""
    text = schema("msg: {type: text, target: message}", "layout: {pattern: '{ts} {msg}', body: msg}",
                  "variants:\n  mark: {pattern: '-- MARK --'}\ndefault_variant: fail")
    model = stackgen.parse_schema(text, FILE)
    (doc,) = local_documents(model, records_for(model, "1 -- MARK --\n"))
    assert "tags" not in doc and "message" not in doc, doc


def test_reproduction_an_empty_list_is_absent():
    """A list with `first` accepts the empty text and writes [""] (and ["", "b"] for ", b")."""
    text = schema("ips: {split: ', ', first: client}\nclient: {}\nrest: {}", "layout: {separator: '|', head: [ts, ips, rest]}")
    model = stackgen.parse_schema(text, FILE)
    docs = local_documents(model, records_for(model, "1||x\n1|, b|x\n"))
    assert "ips" not in docs[0]["r"], docs[0]
    assert "" not in docs[1].get("r", {}).get("ips", []), docs[1]  # ", b" is no list: the record is tagged


def test_reproduction_a_log_field_is_kept():
    """`log.level` (ECS) is dropped by both engines: they remove the shipper's `log` object (log.flags)."""
    text = schema("v: {target: log.level}", DELIMITED)
    model = parse_or_schema_error(text)
    if model is None:
        return  # refusing log.* targets is a fix too
    (doc,) = local_documents(model, records_for(model, "2|WARN\n"))
    assert doc.get("log") == {"level": "WARN"}, doc


def test_reproduction_a_bad_multiline_start_is_reported_cleanly(capfd):
    """RE2 logs its parse error to stderr (absl) and the diagnostic quotes it as bytes: b'missing ]: ...'."""
    text = VALID.replace("source: {paths: [/x.log]}", "source: {paths: [/x.log], multiline: {start: '^(?:[^ ][|$)'}}")
    with pytest.raises(SchemaError) as info:
        stackgen.parse_schema(text, FILE)
    check_schema_error(text, info.value)
    assert "b'" not in info.value.format(), info.value.format()
    assert "re2.cc" not in capfd.readouterr().err


def _yearless(fmt: str, now: str = "2024-06-15T12:00:00Z") -> str:
    return schema("", extra=f"verify: {{now: '{now}'}}",
                  ts=f"{{type: date, format: {json.dumps(fmt)}, timezone: UTC, target: '@timestamp'}}")


def _ts(fmt: str, tz: str = "UTC", formats: str | None = None) -> str:
    spec = f"formats: {formats}" if formats else f"format: {json.dumps(fmt)}"
    return schema("", ts=f"{{type: date, {spec}, timezone: {tz}, target: '@timestamp'}}")


def _pattern(regex: str) -> str:
    return schema("v: {pattern: P}", DELIMITED, f"patterns: {{P: {json.dumps(regex)}}}")


# (id, schema text, log lines): the schema is refused, or local documents == the node's
ENGINE_REPRODUCTIONS = [
    # offsets Java refuses (over 18 hours, minutes over 59): the local engine accepts them
    ("offset-over-18h", _ts("yyyy-MM-dd'T'HH:mm:ssXXX"), ["2024-01-01T00:00:00+19:00", "2024-01-01T00:00:00+01:60"]),
    # year 0000: java.time reads it (proleptic), the local engine tags it
    ("year-zero", _ts("ISO8601"), ["0000-01-01T00:00:00"]),
    # an escaped quote inside a quoted literal: Python reads 'o''clock' as "oclock", Java as "o'clock"
    ("quoted-quote-in-format", _ts("HH:mm 'o''clock' dd.MM.yyyy"), ["09:08 oclock 09.01.1970"]),
    # '[' and ']' are literals for stackgen, optional sections for java.time
    ("brackets-in-format", _ts("[dd/MMM/yyyy:HH:mm:ss]"), ["[16/Sep/2024:23:59:59]"]),
    ("bracket-section-in-format", _ts("yyyy-MM-dd[HH:mm]"), ["1994-10-09[23:41]"]),
    # adjacent variable-width fields: regex backtracking and java.time's adjacent parsing disagree
    ("adjacent-variable-width-fields", _ts("dMyyyy Hmm"), ["3011970 710"]),
    # a quoted literal holding a 'u' makes the ingest script think the format has a year
    ("yearless-format-with-u-literal", _yearless("'run' MMM d HH:mm:ss"), ["run Feb 3 04:05:06"]),
    # the ingest script's UNIX/UNIX_MS accept any number of digits: format order changes the result
    ("unix-ms-before-digits-format", _ts("", formats="[UNIX_MS, yyyyMMddHHmmss]"), ["20240101120000"]),
    ("unix-before-digits-format", _ts("", formats="[UNIX, yyyyMMddHHmmss]"), ["19920221191055"]),
    # Unicode case folding: Joni and java.time fold, the local engine (ASCII) does not
    ("case-folding-month-name", _ts("dd-MMM-yyyy HH:mm:ss"), ["28-\u017fep-2020 01:27:09"]),
    ("case-folding-parens-key", schema("data: {target: null, keys: {style: parens, map: {SID: sid}}}\nsid: {}",
                                       "layout: {separator: '|', head: [ts, data]}"), ["1|(\u017fID=x)"]),
    ("case-folding-user-pattern", _pattern("(?i)ok"), ["1|o\u212a"]),
    ("case-folding-sharp-s", _pattern("(?i)ss"), ["1|\u00df"]),
    ("case-folding-non-ascii", _pattern("(?i:\u00e9)"), ["1|\u00c9"]),
    # regex dialects: Unicode classes and escapes mean other things in Joni and in `regex` (ASCII)
    ("posix-class-unicode", _pattern("[[:alpha:]]+"), ["1|\u00e9t\u00e9"]),
    ("property-class-unicode", _pattern("\\p{L}+"), ["1|\u0416"]),
    ("word-boundary-unicode", _pattern("a\\b[\u00e9]"), ["1|a\u00e9"]),
    ("hex-class-h", _pattern("\\h+"), ["1|ff"]),
    ("u-escape", _pattern("\\u00e9"), ["1|\u00e9"]),
    ("line-anchor", schema("a: {}\nb: {pattern: P}", "layout: {pattern: \"{ts} {a}\\n{b}\"}",
                           "patterns: {P: '^x+'}").replace("source: {paths: [/x.log]}",
                                                           "source: {paths: [/x.log], multiline: {start: '^[0-9]'}}"),
     ["1 a", "xx"]),
    # a numbered back-reference: accepted by the validator, refused by Elasticsearch, wrong locally
    ("numbered-backreference", _pattern("([a-z])\\1"), ["1|aa"]),
    # time zones Python's zoneinfo knows and the JVM does not: every record fails in the pipeline
    ("timezone-unknown-to-java", _ts("ISO8601", tz="right/UTC"), ["2024-01-01T00:00:00"]),
    ("timezone-localtime", _ts("ISO8601", tz="localtime"), ["2024-01-01T00:00:00"]),
    # tz database skew (system tzdata vs the JDK's): EST5EDT is America/New_York in 2024b and later
    ("tzdata-skew-est5edt", _ts("ISO8601", tz="EST5EDT"), ["1963-09-25T08:06:00"]),
    # a date value with a dotted target: the ingest script writes a flat "a.b" key (normalize crashes)
    ("date-dotted-target", schema("when: {type: date, format: UNIX, timezone: UTC}", "layout: {separator: '|', "
                                                                                     "head: [ts, when]}"), ["1|2"]),
    # Elasticsearch metadata fields as targets: template refused / value dropped by the ingest node
    ("target-metadata-field", schema("v: {target: _routing}", DELIMITED), ["1|x"]),
    ("target-id-object", schema("v: {target: _id.x}", DELIMITED), ["1|x"]),
    ("target-ingest-metadata", schema("v: {target: _ingest.x}", DELIMITED), ["1|x"]),
    # targets on the shipper's `log` object: a cut record's log.flags meets them in Elasticsearch
    ("target-log", schema("v: {target: log}", DELIMITED)
     .replace("source: {paths: [/x.log]}", "source: {paths: [/x.log], multiline: {start: '^[0-9]', max_lines: 1}}"),
     ["1|x", "more"]),
    ("target-log-flags", schema("v: {target: log.flags}", DELIMITED)
     .replace("source: {paths: [/x.log]}", "source: {paths: [/x.log], multiline: {start: '^[0-9]', max_lines: 1}}"),
     ["1|x", "more"]),
    # a target starting with '@': the local engine writes a flat "@meta.x" key, Elasticsearch an object
    ("at-target", schema("v: {target: '@meta.x'}", DELIMITED), ["1|x"]),
    # `also` on a list: the local engine copies the array, the set processor writes "{0=a, 1=b}"
    ("also-of-a-list", schema("v: {split: ',', also: [copy]}", DELIMITED), ["1|a,b"]),
    # two values sharing a target, both present: rename refuses an existing field, the record fails
    ("shared-target-both-present", schema("a: {target: x.y}\nb: {target: x.y}",
                                          "layout: {separator: '|', head: [ts, a, b]}"), ["1|A|B"]),
    # year-less cut-off: verify.now is sent with milliseconds, and the local engine drops nanoseconds
    ("now-sub-millisecond", _yearless("MMM d HH:mm:ss.SSSSSSSSS", "2024-06-15T12:00:00.0005Z"),
     ["Jun 16 12:00:00.000400000"]),
    ("yearless-limit-nanoseconds", _yearless("MMM d HH:mm:ss.SSSSSSSSS"), ["Jun 16 12:00:00.000000500"]),
]


@pytest.mark.engine
@pytest.mark.parametrize("text, lines", [pytest.param(t, lines, id=i) for i, t, lines in ENGINE_REPRODUCTIONS])
def test_engine_reproduction(client, text, lines):
    model = parse_or_schema_error(text)
    if model is None:
        return  # refusing the schema is a fix
    rendered(model)
    engines_agree(client, model, records_for(model, "\n".join(lines) + "\n"))
