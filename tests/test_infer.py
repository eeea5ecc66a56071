"""`stackgen infer`: every shipped family's raw logs give a draft that validates, parses its own
input with at most 5% of records left in the default variant, and runs the same on Elasticsearch."""
from __future__ import annotations

import json

import pytest

import stackgen
from stackgen.cli import main
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.infer import draft_from_logs
from stackgen.infer.clusters import cluster, tokenize
from stackgen.infer.header import find
from stackgen.infer.templates import token_parts
from stackgen.verify.compare import diff_documents, normalize

from conftest import ROOT

FAMILIES = sorted(p.parent.name for p in (ROOT / "samples").glob("*/schema.yaml"))
NOW = "2026-01-01T00:00:00+00:00"


@pytest.fixture(scope="module", params=FAMILIES)
def drafted(request):
    logs = [(str(p), p.read_bytes()) for p in sorted((ROOT / "samples" / request.param).glob("*.log"))]
    draft, records = draft_from_logs(logs, request.param, NOW)
    return request.param, draft, stackgen.parse_schema(draft.schema, "draft.yaml"), logs


def test_the_draft_validates_and_leaves_at_most_5_percent_in_the_default_variant(drafted):
    family, draft, model, logs = drafted
    records = [r for path, data in logs for r in frame(model, data, path)]
    assert len(draft.variant_of) == len(draft.templates) == len(records)
    default = draft.variant_of.count("*")
    assert default <= 0.05 * len(records), draft.report()
    assert len(model.variants) >= 1  # an access log is one type: a request
    # the report names each variant with its support; every template has the record's shape
    assert f"{len(records)} records" in draft.report()
    assert all(t.count("<*>") >= 1 for t in draft.templates)


@pytest.mark.engine
def test_the_draft_parses_the_same_on_elasticsearch(drafted, es_url):
    family, _, model, logs = drafted
    records = [r for path, data in logs for r in frame(model, data, path)]
    engine = ElasticsearchEngine(model, connect(es_url), now=NOW)
    remote = [normalize(model, d) for d in engine.documents(records)]
    here = [normalize(model, d) for d in LocalEngine(model, NOW).documents(records)]
    assert diff_documents(here, remote, family) == ""
    assert engine.problems == []


def test_the_header_finds_the_timestamp_formats_and_the_syslog_header():
    lines = ["Feb  3 04:05:06 web01 sshd[12]: Accepted publickey for alice from 192.0.2.1 port 22 ssh2",
             "Feb 13 04:05:07 web01 cron[9]: (root) CMD (run-parts /etc/cron.hourly)",
             "\tcontinued"]
    header = find(lines)
    assert header.formats[:2] == ("MMM d HH:mm:ss", "MMM  d HH:mm:ss") and header.kind == "syslog"
    assert header.multiline is not None and header.coverage == 2 / 3


def test_messages_of_one_type_share_a_template_and_values_become_slots():
    messages = [("sshd", f"Failed password for {u} from 192.0.2.{i} port {4000 + i} ssh2")
                for i, u in enumerate(["root", "admin", "root", "oracle", "admin", "test", "guest"])]
    messages += [("sshd", "Connection closed by 192.0.2.9 port 5000"), ("sshd", "Connection closed by 192.0.2.8 port 5001")]
    found = cluster([(key, tokenize(text, None)) for key, text in messages], None)
    assert [tuple(p for t in c.tokens for p in t) for c in found] == [
        ("Failed", "password", "for", None, "from", None, "port", None, "ssh2"),
        ("Connection", "closed", "by", None, "port", None)]


def test_the_command_writes_a_verified_draft_with_samples_goldens_report_and_assignments(tmp_path, capsys):
    out = tmp_path / "draft"
    assignments = tmp_path / "assignments.jsonl"
    logs = sorted((ROOT / "samples" / "linux-auth").glob("*.log"))
    assert main(["infer", *map(str, logs), "-o", str(out), "--assignments", str(assignments)]) == 0
    assert (out / "schema.yaml").is_file() and (out / "report.md").is_file()
    assert sorted(p.name for p in out.glob("*.log-expected.json")) == sorted(p.name + "-expected.json" for p in logs)
    rows = [json.loads(line) for line in assignments.read_text().splitlines()]
    assert rows and set(rows[0]) == {"variant", "template"}
    capsys.readouterr()
    assert main(["verify", str(out), "--no-coverage"]) == 0


def test_a_log_without_timestamps_is_refused_with_the_reason(tmp_path, capsys):
    log = tmp_path / "plain.log"
    log.write_text("hello world\nfoo bar baz\nhello there\n")
    assert main(["infer", str(log), "-o", str(tmp_path / "out")]) == 2
    assert "no timestamp starts most lines" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_delimited_log_is_split_at_its_separator_and_typed_by_its_action_column():
    actions = {"view_albums": [], "video_play": ["PHYS-H-100-pub", "cam", "high"], "album_token_add": ["MATH-F-101-pub"]}
    lines = [f"2017-11-16-08:12:{i % 60:02d} | s{i % 7}x | 192.0.2.{i % 9} | {['alice', 'bob', 'carol', 'nologin'][i % 4]} | 1 | "
             + " | ".join([action, *[f"{v}" for v in extra]]) for i in range(60)
             for action, extra in [list(actions.items())[i % 3]]]
    header = find(lines)
    assert header.separator == " | " and header.kind == "delimited"
    found = cluster([(None, tokenize(header.message(header.rest(line)), " | ")) for line in lines], " | ")
    assert sorted(c.tokens[4][0] for c in found) == sorted(actions)  # one type per action, the user never splits
    assert all(c.tokens[2] == (None,) and c.tokens[3] == ("1",) for c in found)


def test_a_varying_token_is_refined_into_literal_text_and_slots():
    assert tokenize('"GET / HTTP/1.1" 200 "-"', None) == ['"GET / HTTP/1.1"', "200", '"-"']
    assert token_parts(["rhost=192.0.2.1", "rhost=10.0.0.7", "rhost=198.51.100.3"], " ") == ["rhost=", None]
    assert token_parts(["alice(uid=1000)", "bob(uid=1001)", "carol(uid=1002)"], " ") == [None, "(uid=", None, ")"]
    assert token_parts(['"GET / HTTP/1.1"', '"POST /login HTTP/1.0"', '"-"'], " ") == ['"', None, '"']
    assert token_parts(["PWD=/home/alice", "PWD=/etc/nginx", "PWD=/root"], " ") == ["PWD=", None]
    assert token_parts(["67", "67", "67"], " ") == ["67"] and token_parts(["67"], " ") == [None]


@pytest.mark.parametrize("family", ["linux-auth", "syslog"])
def test_records_outside_the_sample_are_matched_as_the_local_engine_parses_them(family, monkeypatch):
    import stackgen.infer as infer
    monkeypatch.setattr(infer, "SAMPLE", 40)  # types found on 40 records, then on what they left
    monkeypatch.setattr(infer, "CHECKED", 10)
    monkeypatch.setattr(infer, "CHECKED_PER_TYPE", 0)
    logs = [(str(p), p.read_bytes()) for p in sorted((ROOT / "samples" / family).glob("*.log"))]
    draft, records = draft_from_logs(logs, family, NOW)
    texts = [r for file in records for r in file]
    assert draft.checked < len(texts)  # the engine ran on a sample only: it agreed with the matcher
    engine = LocalEngine(stackgen.parse_schema(draft.schema, "draft.yaml"))
    ours = ["*" if v == "header" else v for v in draft.variant_of]
    assert [engine.variant(t) or "*" for t in texts] == ours
    assert draft.variant_of.count("*") <= 0.05 * len(texts)
