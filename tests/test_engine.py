"""The real engine: an embedded Elasticsearch 7.10.2 node (or $STACKGEN_ES_URL).

These tests never skip: without Java and Maven they fail, naming what is missing. Run
`pytest -m "not engine"` to leave them out on a machine without a JVM.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import stackgen
from stackgen.cli import main
from stackgen.engines import grokcheck
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.errors import EngineError
from stackgen.verify import verify
from stackgen.verify.compare import diff_documents, normalize

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.engine


@pytest.fixture(scope="session")
def sample_records(ezcast):
    return {p.name: frame(ezcast, p.read_bytes(), p.name) for p in sorted(SAMPLES.glob("*.log"))}


def test_every_sample_record_gives_the_same_document_locally_and_in_elasticsearch(ezcast, es_url, sample_records):
    engine = ElasticsearchEngine(ezcast, connect(es_url))
    local = LocalEngine(ezcast)
    total = 0
    for name, records in sample_records.items():
        remote = [normalize(ezcast, d) for d in engine.documents(records)]
        here = [normalize(ezcast, d) for d in local.documents(records)]
        assert len(remote) == len(records)
        assert diff_documents(here, remote, name) == ""
        assert engine.problems == []
        total += len(records)
    assert total == 215  # 165 parsing samples, 50 for the rules


def test_the_index_template_applies_the_declared_types(ezcast, es_url):
    client = connect(es_url)
    engine = ElasticsearchEngine(ezcast, client)
    record = frame(ezcast, b"2017-11-16-08:13:40 | s | 2001:db8::1 | u | 4 | video_mute | A-pub | B | 1827 | 454"
                           b" | cam | low | true | from_button\n")
    (doc,) = engine.documents(record)
    assert doc["@timestamp"] == "2017-11-16T07:13:40.000Z"  # the date program writes UTC, as Logstash does
    assert normalize(ezcast, doc)["@timestamp"] == "2017-11-16T07:13:40.000Z"
    assert doc["ezcast"]["duration"] == 1827 and doc["ezcast"]["muted"] is True
    assert engine.problems == []


def test_verify_passes_on_the_real_engine_with_the_same_goldens(ezcast, es_url):
    report = verify(ezcast, SAMPLES, ElasticsearchEngine(ezcast, connect(es_url)))
    assert report.ok, report.human()
    assert [c.status for c in report.cases] == ["passed"] * 17  # 8 cases: documents and alerts, and coverage


def test_grok_patterns_capture_the_same_in_elasticsearch_grok_and_logstash_mode(ezcast, sample_records):
    records = [r for rs in sample_records.values() for r in rs]
    steps, mismatches = grokcheck.compare(LocalEngine(ezcast), records)
    assert mismatches == []
    assert steps == 399  # 215 heads + 184 variant tails


def test_a_failing_processor_is_named_in_the_error(es_url):
    client = connect(es_url)
    bad = {"processors": [{"grok": {"field": "message", "patterns": ["%{NOPE:x}"], "tag": "variant:demo"}}]}
    with pytest.raises(EngineError) as info:
        client.request("PUT", "/_ingest/pipeline/stackgen-test-bad", bad)
    assert "variant:demo" in str(info.value) and "NOPE" in str(info.value)


def test_cli_verify_and_parse_against_a_cluster(es_url, tmp_path, capsys):
    assert main(["verify", str(SAMPLES), "--engine", "elasticsearch", "--es-url", es_url]) == 0
    assert "elasticsearch: 17 passed, 0 failed" in capsys.readouterr().out
    log = SAMPLES / "test-edge-cases.log"
    assert main(["parse", "--schema", str(SAMPLES / "schema.yaml"), str(log)]) == 0
    local = capsys.readouterr().out.splitlines()
    assert main(["parse", "--schema", str(SAMPLES / "schema.yaml"), "--engine", "elasticsearch",
                 "--es-url", es_url, str(log)]) == 0
    remote = capsys.readouterr().out.splitlines()
    model = stackgen.load_schema(SAMPLES / "schema.yaml")
    assert [normalize(model, json.loads(x)) for x in remote] == [normalize(model, json.loads(x)) for x in local]


def test_missing_java_is_an_environment_error_naming_it(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path), "STACKGEN_CACHE": str(tmp_path / "cache"), "STACKGEN_JVM_ROOTS": "",
           "JAVA_HOME": "", "STACKGEN_JAVA_HOME": ""}
    result = subprocess.run([sys.executable, "-m", "stackgen", "verify", str(SAMPLES), "--engine", "embedded"],
                            env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 3
    assert "not found: java, mvn" in result.stderr and "Traceback" not in result.stderr


def test_engine_start_status_stop(tmp_path):
    env = {**os.environ, "STACKGEN_CACHE": os.environ.get("STACKGEN_CACHE", str(tmp_path))}
    run = lambda *args: subprocess.run([sys.executable, "-m", "stackgen", "engine", *args], env=env,
                                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    started = run("start")
    assert started.returncode == 0, started.stderr
    assert "embedded Elasticsearch 7.10.2 at http://127.0.0.1:" in started.stdout
    try:
        assert run("status").returncode == 0
        reused = subprocess.run([sys.executable, "-m", "stackgen", "verify", str(SAMPLES), "--engine", "embedded"],
                                env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert reused.returncode == 0 and "using the running embedded node" in reused.stderr
    finally:
        assert "stopped" in run("stop").stdout
    assert run("status").returncode == 1
