"""Hostile schemas and inputs: clean errors (exit 2 or 3), no traceback, nothing half-written."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import stackgen
from stackgen.cli import main
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.errors import SchemaError
from stackgen.schema import parse_schema

from conftest import ROOT, SAMPLES
from test_schema_errors import GOOD


def codes(text: str) -> list[str]:
    with pytest.raises(SchemaError) as info:
        parse_schema(text, "x.yaml")
    return [d.code for d in info.value.diagnostics]


def test_a_title_cannot_inject_lines_into_rendered_files():
    evil = 'title: "Demo\\nfilter { ruby { code => \\"system(1)\\" } }"'
    assert codes(GOOD.replace("name: demo", "name: demo\n" + evil)) == ["SG003"]
    from stackgen.resources import comment_text
    assert comment_text("a\nb\rc\u2028d") == "a b c d"


def test_texts_logstash_cannot_quote_are_refused():
    assert codes(GOOD.replace("  count: [n]", "  count: [n]\n  'it''s \"x\"': []")) == ["SG003"]


def test_a_single_variant_condition_compiles_in_elasticsearch(es_url):
    model = parse_schema(GOOD, "demo.yaml")
    engine = ElasticsearchEngine(model, connect(es_url))
    (doc,) = engine.documents(frame(model, b"2024-01-02 03:04:05 | count | 7\n"))
    assert doc["demo"] == {"kind": "count", "n": 7}


def test_an_alias_bomb_is_refused_quickly():
    bomb = 'a: &a ["xxxxxxxxxxxxxxxx","x","x","x","x","x","x","x","x"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi"):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    assert len(bomb) < 400
    started = time.monotonic()
    assert codes(bomb) == ["SG001"]
    assert time.monotonic() - started < 5


def test_unknown_tags_and_deep_nesting_are_schema_errors():
    assert "SG001" in codes(GOOD.replace("name: demo", "name: !python/object:os.system demo"))
    assert codes("a: " + "[" * 5000 + "]" * 5000) == ["SG001"]


def test_backtracking_patterns_are_refused_and_multiline_is_re2():
    assert codes(GOOD.replace("values:", "patterns:\n  KIND: '(a+)+b'\nvalues:")) == ["SG011"]
    assert codes(GOOD.replace("  paths: [/var/log/demo.log]",
                              "  paths: [/var/log/demo.log]\n  multiline: {start: '^(?=x)'}")) == ["SG011"]
    model = parse_schema(GOOD.replace("  paths: [/var/log/demo.log]",
                                      "  paths: [/var/log/demo.log]\n  multiline: {start: '^(a+)+b'}"), "x.yaml")
    started = time.monotonic()
    records = frame(model, b"a" * 100_000 + b"c\n" + b"aab\n")
    assert time.monotonic() - started < 2 and len(records) == 2  # RE2: linear, as in Filebeat


@pytest.mark.parametrize("argv", [
    ["validate", "{tmp}"],
    ["parse", "--schema", "{schema}", "{tmp}"],
    ["render", "{schema}", "-o", "{file}"],
    ["verify", "{samples}", "--junit", "/proc/stackgen/report.xml"],
    ["render", "{schema}", "-o", "/proc/stackgen-out"],
])
def test_bad_paths_are_clean_errors(argv, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    values = {"tmp": str(tmp_path), "schema": str(SAMPLES / "schema.yaml"), "file": str(tmp_path / "file"),
              "samples": str(SAMPLES)}
    code = main([a.format(**values) for a in argv])
    err = capsys.readouterr().err
    assert code in (2, 3) and "Traceback" not in err and err.startswith("stackgen: error:"), err


def test_a_golden_that_is_not_utf8_is_a_usage_error(tmp_path, capsys):
    for name in ("schema.yaml", "test-dst.log"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    (tmp_path / "test-dst.log-expected.json").write_bytes(b"\xff\xfe{}")
    assert main(["verify", str(tmp_path), "--no-coverage"]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_a_closed_pipe_ends_parse_quietly():
    command = (f"{sys.executable} -m stackgen parse --schema {SAMPLES / 'schema.yaml'} "
               f"{SAMPLES / 'test-client.log'} {SAMPLES / 'test-server.log'} | head -1")
    result = subprocess.run(["bash", "-c", "set -o pipefail; " + command], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(result.stdout)["@timestamp"]
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_render_check_notices_files_left_from_another_schema(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["render", str(SAMPLES / "schema.yaml"), "-o", str(out)]) == 0
    assert main(["render", str(SAMPLES / "schema.yaml"), "-o", str(out), "--check"]) == 0
    (out / "logstash" / "pipeline" / "old-name.conf").write_text("filter {}")
    capsys.readouterr()
    assert main(["render", str(SAMPLES / "schema.yaml"), "-o", str(out), "--check"]) == 1
    assert "old-name.conf (not rendered from this schema)" in capsys.readouterr().out


def test_records_cut_by_the_shipper_are_tagged_everywhere(es_url):
    schema = (ROOT / "samples" / "syslog" / "schema.yaml").read_text().replace("'^(?:[^\\t]|$)'",
                                                                              "'^(?:[^\\t]|$)'\n    max_lines: 2")
    model = parse_schema(schema, "syslog.yaml")
    records = frame(model, b"Feb  3 04:05:06 web01 app[1]: x\n\ta\n\tb\n\tc\nFeb  3 04:05:07 web01 app[1]: y\n")
    assert [r.flags for r in records] == [("multiline", "truncated"), ()]  # as Filebeat flags it
    local = stackgen.parse(model, b"Feb  3 04:05:06 web01 app[1]: x\n\ta\n\tb\n")
    remote = ElasticsearchEngine(model, connect(es_url)).documents(records)
    assert local[0]["tags"] == remote[0]["tags"] == ["_truncated"]
    assert remote[0]["message"] == "x\n\ta" and remote[0]["event"]["original"].endswith("\ta")
    assert "tags" not in remote[1] and "log" not in remote[0]


def test_a_value_too_long_to_index_fails_verify(tmp_path, capsys):
    for name in ("schema.yaml", "test-dst.log"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    line = b"2017-11-16-08:12:05 | s | ::1 | " + b"u" * 100_000 + b" | 1 | view_albums\n"
    (tmp_path / "test-dst.log").write_bytes(line)
    assert main(["verify", str(tmp_path), "--generate", "--no-coverage"]) == 1
    assert "field 'user.name' holds 100,000 characters, over its ignore_above (1024)" in capsys.readouterr().out


def test_a_head_whose_last_separator_lost_its_blank_keeps_its_values():
    model = stackgen.load_schema(SAMPLES / "schema.yaml")
    (doc,) = stackgen.parse(model, b"2017-11-16-08:12:05 | s | ::1 | jdoe | 1 |\n")
    assert doc["@timestamp"] == "2017-11-16T07:12:05.000Z" and doc["user"]["name"] == "jdoe"


def test_parse_streams_documents_before_the_input_ends():
    child = subprocess.Popen([sys.executable, "-m", "stackgen", "parse", "--schema", str(SAMPLES / "schema.yaml")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    try:
        child.stdin.write(b"2017-11-16-08:12:05 | s | ::1 | jdoe | 1 | view_albums\n")
        child.stdin.write(b"2017-11-16-08:12:06 | s | ::1 | jdoe | 1 | logout\n")
        child.stdin.flush()
        first = json.loads(child.stdout.readline())  # the input is still open: the document came anyway
        assert first["event"]["action"] == "view_albums"
    finally:
        child.stdin.close()
        rest = child.stdout.read().decode().splitlines()
        child.wait(timeout=30)
    assert [json.loads(x)["event"]["action"] for x in rest] == ["logout"]
