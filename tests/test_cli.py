"""The command line: exit codes, outputs, reports."""
from __future__ import annotations

import json
import shutil
from xml.etree import ElementTree as ET

from stackgen.cli import main

from conftest import SAMPLES


def test_render_then_check_then_stale(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["render", str(SAMPLES / "schema.yaml"), "-o", str(out)]) == 0
    assert main(["render", str(SAMPLES / "schema.yaml"), "-o", str(out), "--check"]) == 0
    (out / "filebeat" / "filebeat.yml").write_text("edited\n")
    capsys.readouterr()
    assert main(["render", str(SAMPLES / "schema.yaml"), "-o", str(out), "--check"]) == 1
    assert "stale: " in capsys.readouterr().out
    assert (out / "filebeat" / "filebeat.yml").read_text() == "edited\n"  # --check writes nothing


def test_parse_prints_ndjson_in_input_order(tmp_path, capsys):
    log = tmp_path / "a.log"
    log.write_text("2017-11-16-08:12:05 | s | ::1 | jdoe | 1 | view_albums\n"
                   "2017-11-16-08:12:06 | s | ::1 | jdoe | 1 | logout\n")
    assert main(["parse", "--schema", str(SAMPLES / "schema.yaml"), str(log)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["event"]["action"] for line in lines] == ["view_albums", "logout"]


def test_parse_on_several_processes_prints_the_same_documents_in_the_same_order(tmp_path, capsys):
    log = tmp_path / "many.log"
    log.write_bytes(b"".join(p.read_bytes() for p in sorted(SAMPLES.glob("*.log"))) * 40)
    outputs = []
    for jobs in ("1", "2"):
        assert main(["parse", "--schema", str(SAMPLES / "schema.yaml"), "--jobs", jobs, "--now",
                     "2026-01-01T00:00:00Z", str(log)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 2 * 2000  # more than one chunk per worker
    assert main(["parse", "--schema", str(SAMPLES / "schema.yaml"), "--jobs", "2", "--engine", "embedded",
                 str(log)]) == 2


def test_verify_passes_writes_junit_and_fails_with_a_diff(tmp_path, capsys):
    samples = tmp_path / "ezcast"
    shutil.copytree(SAMPLES, samples)
    junit = tmp_path / "report.xml"
    assert main(["verify", str(samples), "--junit", str(junit)]) == 0
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "17" and suite.get("failures") == "0"  # 8 cases: documents and alerts, and coverage
    golden = samples / "test-client.log-expected.json"
    golden.write_text(golden.read_text().replace('"time": 416', '"time": 417'))
    capsys.readouterr()
    assert main(["verify", str(samples), "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "FAIL test-client.log" in out and '-    "time": 417' in out and '+    "time": 416' in out
    assert ET.parse(junit).getroot().get("failures") == "1"


def test_verify_generate_rewrites_goldens(tmp_path):
    samples = tmp_path / "ezcast"
    shutil.copytree(SAMPLES, samples)
    for golden in samples.glob("*-expected.json"):
        golden.unlink()
    assert main(["verify", str(samples)]) == 1
    assert main(["verify", str(samples), "--generate"]) == 0
    for golden in samples.glob("*-expected.json"):
        assert golden.read_text() == (SAMPLES / golden.name).read_text()


def test_usage_errors_exit_2(capsys):
    assert main(["render"]) == 2
    assert main(["parse", "--schema", str(SAMPLES / "schema.yaml"), "--engine", "elasticsearch"]) == 2
    assert "--es-url" in capsys.readouterr().err
