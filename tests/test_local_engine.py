"""The local engine: framing like Filebeat, documents checked value by value against the reference."""
from __future__ import annotations

import stackgen
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.model.lowering import lower
from stackgen.model.steps import Case, Convert, Date, Grok, Move, Switch
from stackgen.verify import verify

from conftest import SAMPLES


def parse(model, text: str | bytes) -> list[dict]:
    return stackgen.parse(model, text.encode("utf-8") if isinstance(text, str) else text)


def test_framing_joins_continuations_strips_crlf_and_keeps_bare_cr(ezcast):
    data = (b"2017-11-16-08:17:00 | s | ::1 | u | 3 | x | a\r\n"
            b"b\r\n\r\nc\n"
            b"2017-11-16-08:17:01 | s | ::1 | u | 3 | y | d\re\n")
    records = frame(ezcast, data)
    assert [r.text for r in records] == ["2017-11-16-08:17:00 | s | ::1 | u | 3 | x | a\nb\n\nc",
                                         "2017-11-16-08:17:01 | s | ::1 | u | 3 | y | d\re"]
    assert [r.line for r in records] == [1, 5]


def test_video_play_from_the_ulb_report(ezcast):
    (doc,) = parse(ezcast, "2017-11-16-00:01:23 | b25v5ik93cnrc4mr2jh0emmoi5 | 192.0.2.1 | jdupont | 4 | video_play"
                           " | PHYS-H-100-pub | 2013_01_17_12h52 | 1827 | 416 | cam | high | from_shortcut\n")
    assert doc == {
        "@timestamp": "2017-11-15T23:01:23.000Z",  # Brussels is UTC+1 in November
        "source": {"ip": "192.0.2.1"},
        "user": {"name": "jdupont"},
        "event": {"action": "video_play"},
        "ezcast": {"session": "b25v5ik93cnrc4mr2jh0emmoi5", "level": "4", "page": "player",
                   "album": "PHYS-H-100-pub", "asset": "2013_01_17_12h52", "duration": 1827, "time": 416,
                   "type": "cam", "quality": "high", "origin": "from_shortcut"},
    }


def test_video_play_time_segment(ezcast):
    (doc,) = parse(ezcast, "2017-08-23-10:00:00 | s | ::1 | nologin | 4 | video_play_time | A-pub | 2016_12_08_11h47"
                           " | Cours 3 &amp; exercices | slide | 386 | 30\n")
    assert "user" not in doc  # nologin
    assert doc["@timestamp"] == "2017-08-23T08:00:00.000Z"  # summer time, UTC+2
    assert doc["ezcast"]["asset_title"] == "Cours 3 &amp; exercices"
    assert (doc["ezcast"]["start"], doc["ezcast"]["play_time"], doc["ezcast"]["type"]) == (386, 30, "slide")


def test_multiline_bookmark_keeps_its_description_whole(ezcast):
    (doc,) = parse(ezcast, b"2017-11-16-08:17:00 | s | 192.0.2.1 | jdupont | 3 | asset_bookmark_add | P-pub | 2013_01_17_12h52"
                           b" | 454 | personal | cam | D\xc3\xa9finition | premi\xc3\xa8re ligne\r\nseconde ligne | energie,travail | 1\n")
    assert doc["ezcast"]["description"] == "première ligne\nseconde ligne"
    assert doc["ezcast"]["keywords"] == "energie,travail"
    assert doc["ezcast"]["bm_level"] == 1 and doc["ezcast"]["timecode"] == 454
    assert "tags" not in doc and "original" not in doc["event"]


def test_placeholders_empty_and_null_values_are_absent(ezcast):
    docs = parse(ezcast,
                 "2017-11-16-08:00:00 | s | noip | nologin | 4 | settings_show |  | \n"
                 "2017-11-16-08:00:01 | s | ::1 | u | 2 | bookmarks_upload | A-pub | - | official | 9\n"
                 "2017-11-16-08:00:02 | s | ::1 | u | 4 | video_play | A-pub | B | NaN | 0 | cam | low | from_button\n"
                 "2017-11-16-08:00:03 | s | ::1 | u | 0 | admin_mode_update | \n")
    assert docs[0] == {"@timestamp": "2017-11-16T07:00:00.000Z", "event": {"action": "settings_show"},
                       "ezcast": {"session": "s", "level": "4", "page": "player"}}
    assert "asset" not in docs[1]["ezcast"] and docs[1]["ezcast"]["count"] == 9
    assert "duration" not in docs[2]["ezcast"] and docs[2]["ezcast"]["time"] == 0 and "tags" not in docs[2]
    assert "admin_enabled" not in docs[3]["ezcast"] and "tags" not in docs[3]


def test_unconvertible_values_are_dropped_tagged_and_the_original_kept(ezcast):
    line = "2017-11-16-08:00:00 | s | ::1 | u | 4 | video_seeked | A-pub | B | 1827 | abc | 900 | cam | low"
    (doc,) = parse(ezcast, line + "\n")
    assert doc["tags"] == ["_valueparsefailure"]
    assert doc["event"] == {"action": "video_seeked", "original": line}
    assert "from_time" not in doc["ezcast"] and doc["ezcast"]["to_time"] == 900


def test_lines_in_equal_documents_out_even_for_garbage(ezcast):
    data = b"not a trace\n2017-13-01-00:00:00 | s | ::1 | u | 1 | logout | extra\n\xff\xfe\n"
    docs = stackgen.parse(ezcast, data)
    assert len(docs) == 2  # the last line continues the second record (no timestamp at its start)
    assert docs[1]["event"]["original"].endswith("extra\n\ufffd\ufffd")
    assert docs[1]["tags"] == ["_grokparsefailure", "_dateparsefailure"]
    docs = stackgen.parse(ezcast, b"\n".join([b"garbage one", b"2017-11-16-08:00:00 | s | ::1 | u | 1 | logout"]))
    assert [d.get("tags") for d in docs] == [["_grokparsefailure"], None]
    assert docs[0]["event"]["original"] == "garbage one"


def test_dst_overlap_takes_the_earlier_offset_and_gap_moves_forward(ezcast):
    docs = parse(ezcast, "2017-10-29-02:30:00 | s | ::1 | u | 1 | view_albums\n"
                         "2017-03-26-02:30:00 | s | ::1 | u | 1 | view_albums\n")
    assert [d["@timestamp"] for d in docs] == ["2017-10-29T00:30:00.000Z", "2017-03-26T01:30:00.000Z"]


def test_unknown_actions_without_extras_are_accepted_with_extras_tagged(ezcast):
    docs = parse(ezcast, "2016-03-01-08:00:00 | s | ::1 | nologin | 0 | view_info\n"
                         "2017-10-02-09:00:00 | s | ::1 | u | 3 | audio_download_open | A-pub | B\n")
    assert docs[0]["event"] == {"action": "view_info"} and "tags" not in docs[0]
    assert docs[1]["tags"] == ["_grokparsefailure"] and docs[1]["event"]["action"] == "audio_download_open"


def test_samples_verify_and_every_variant_is_covered(ezcast):
    report = verify(ezcast, SAMPLES, LocalEngine(ezcast))
    assert report.ok, report.human()
    assert report.cases[-1].name == "coverage" and report.cases[-1].status == "passed"
    assert sum(c.records for c in report.cases) == 215  # 165 parsing samples, 50 for the rules


def test_a_missing_variant_sample_fails_coverage(ezcast, tmp_path):
    (tmp_path / "test-one.log").write_text("2017-11-16-08:12:05 | s | ::1 | u | 1 | view_albums\n")
    report = verify(ezcast, tmp_path, LocalEngine(ezcast), generate=True)
    coverage = report.cases[-1]
    assert coverage.status == "failed" and "93 of 94 variants" in coverage.message
    assert "login," in coverage.details and "view_albums" not in coverage.details


def test_a_variant_chosen_by_discriminator_runs_only_its_own_steps(ezcast):
    """The switch: each case holds its variant's grok and its own values' placement, nothing else."""
    plan = lower(ezcast)
    [switch] = [step for step in plan.steps if isinstance(step, Switch)]
    placed_after = {step.source for step in plan.steps if isinstance(step, (Move, Convert, Date))}
    for case in (*switch.cases, Case("default", (), switch.default)):
        groks = [step for step in case.steps if isinstance(step, Grok)]
        assert len(groks) <= 1 + sum(1 for v in ezcast.values if v.keys)
        sources = {step.source for step in case.steps if isinstance(step, (Move, Convert, Date))}
        assert not sources & placed_after  # a value is placed in its case or after the switch, never both
    assert max(len(c.steps) for c in switch.cases) < 20 < len(lower(ezcast, switch=False).steps) - len(plan.steps)
    seen = [v for case in switch.cases for v in case.values]
    assert len(seen) == len(set(seen)) == len(ezcast.variants)  # disjoint, every variant in one case


def test_the_timestamp_memo_never_changes_a_document(monkeypatch):
    """Neighbouring records share their second: remembered, not re-parsed; the documents stay the same."""
    from stackgen.engines import local
    for schema in sorted(SAMPLES.parent.glob("*/schema.yaml")):
        model = stackgen.load_schema(schema)
        data = b"".join(p.read_bytes() for p in sorted(schema.parent.glob("*.log")))
        records = frame(model, data)
        remembered = LocalEngine(model, "2026-01-01T00:00:00Z").documents(records)
        monkeypatch.setattr(local, "DATE_MEMO", 0)
        assert LocalEngine(model, "2026-01-01T00:00:00Z").documents(records) == remembered, schema
        monkeypatch.undo()


CONTINUED = """schema_version: 2
name: continued
title: continued
namespace: continued
index: continued
source:
  paths: [/tmp/x.log]
  multiline: {start: '^\\\\d{4}-'}
timestamp: ts
layout:
  separator: ' | '
  head: [ts, kind]
  discriminator: kind
  continuation: '{code}: {detail}'
values:
  ts: {type: date, format: yyyy-MM-dd HH:mm:ss, timezone: UTC, target: '@timestamp'}
  kind: {target: event.action}
  code: {type: long}
  detail: {type: text}
  m: {type: text}
variants:
  a: [code, m]
"""


def test_a_value_in_a_variant_and_the_continuation_takes_the_continuations():
    """The continuation lines are matched after the variant, in the switch as in the flat form."""
    model = stackgen.parse_schema(CONTINUED, "continued.yaml")
    [document] = parse(model, "2024-01-01 00:00:00 | a | 5 | hello\n12: detail one\n")
    assert document["continued"]["code"] == 12 and document["continued"]["detail"] == "detail one"


def test_a_quoted_list_gives_its_first_element_only(tmp_path):
    """A quoted list's elements stop at the separator, whatever the first element is."""
    model = stackgen.load_schema(SAMPLES.parent / "nginx-access" / "schema.yaml")
    line = '"10.0.0.1:1234, 203.0.113.2" 10.2.1.185 - - [08/Dec/2016:09:41:12 +0000] "GET /a HTTP/1.1" 200 1 "-" "x"\n'
    [document] = parse(model, line)
    assert document["source"]["address"] == "10.0.0.1:1234"
