"""The real tools on every rendered artifact of every sample family, each shown to catch a break:
Filebeat 9.3 (`test config`, and shipping the samples: `verify --engine filebeat`), Docker Compose
v2 (`config`, single node and three nodes), Logstash's config grammar (`mustache check`), and the
Elasticsearch 9 request specification (every request body stackgen or the setup script sends).

The tools come from `scripts/tools` (which `scripts/test` runs first); a missing tool fails here,
it never skips.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import stackgen
from stackgen import deploy, realtools
from stackgen.checks.esspec import Spec
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.filebeat import FilebeatEngine, ca_bundle
from stackgen.engines.framing import frame
from stackgen.errors import EngineError
from stackgen.targets import compose, es_pipeline, es_template
from stackgen.verify import verify
from stackgen.verify.panels import search_body

from conftest import ROOT

FAMILIES = sorted(p.parent.name for p in (ROOT / "samples").glob("*/schema.yaml"))
FILEBEAT_ENV = {"ELASTICSEARCH_HOSTS": "https://localhost:9200", "FILEBEAT_WRITER_USER": "writer",
                "FILEBEAT_WRITER_PASSWORD": "secret", "LOGSTASH_HOSTS": "logstash:5044"}


def tool(name: str) -> Path:
    return realtools.require(name)  # an EnvironmentProblem (a failure) when scripts/tools was not run


@pytest.fixture(scope="module")
def spec():
    return Spec(tool("es-spec"))


@pytest.fixture(scope="module", params=FAMILIES)
def rendered(request, tmp_path_factory):
    samples = ROOT / "samples" / request.param
    model = stackgen.load_schema(samples / "schema.yaml")
    out = tmp_path_factory.mktemp(request.param)
    for artifact in stackgen.render(model):
        path = out / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(artifact.content, encoding="utf-8")
    return model, out, samples


# -- Filebeat -----------------------------------------------------------------------------------
def filebeat_test_config(config: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **FILEBEAT_ENV, "ELASTICSEARCH_CA_CERT": ca_bundle()}
    return subprocess.run([str(tool("filebeat")), "test", "config", "--strict.perms=false", "-c", str(config),
                           "--path.home", str(home), "--path.data", str(home / "data")],
                          env=env, capture_output=True, text=True)


@pytest.mark.parametrize("name", ["filebeat.yml", "filebeat-elasticsearch.yml"])
def test_filebeat_accepts_both_rendered_configs(rendered, name, tmp_path):
    _, out, _ = rendered
    result = filebeat_test_config(out / "filebeat" / name, tmp_path)
    assert result.returncode == 0 and "Config OK" in result.stdout, result.stdout + result.stderr


def test_filebeat_refuses_a_broken_config(rendered, tmp_path):
    _, out, _ = rendered
    config = yaml.safe_load((out / "filebeat" / "filebeat-elasticsearch.yml").read_text())
    # `test config` builds outputs and processors but not inputs (an input type "filestrem" passes):
    # the inputs are checked by really running them (test_filebeat_ships_every_sample_like_the_goldens)
    config["processors"][0]["fingerprint"]["method"] = "sha257"
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(config))
    result = filebeat_test_config(broken, tmp_path)
    assert result.returncode != 0 and "invalid fingerprinting method [sha257]" in result.stdout + result.stderr


# -- Docker Compose -----------------------------------------------------------------------------
def compose_config(out: Path, nodes: int, tmp_path: Path) -> subprocess.CompletedProcess:
    env_file = tmp_path / f"env-{nodes}"
    deploy.write_env(env_file, tmp_path, nodes=nodes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    return subprocess.run([str(tool("compose")), "-f", str(out / "compose" / "docker-compose.yml"),
                           "--env-file", str(env_file), "config", "--format", "json"],
                          env=env, capture_output=True, text=True)


@pytest.mark.parametrize("nodes", [1, 3])
def test_compose_loads_the_stack_with_one_and_three_nodes(rendered, nodes, tmp_path):
    model, out, _ = rendered
    result = compose_config(out, nodes, tmp_path)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    expected = {"certs", "setup", "kibana", "logstash", "filebeat", *compose.NODES[:nodes]}
    assert set(services) == expected
    for node in compose.NODES[:nodes]:
        seeds = services[node]["environment"]["discovery.seed_hosts"]
        assert sorted(filter(None, seeds.split(","))) == sorted(set(compose.NODES[:nodes]) - {node}), (node, seeds)
    for shipper in ("logstash", "filebeat"):  # nothing ships before setup installed the template
        dependency = services[shipper]["depends_on"]
        assert "setup" in dependency or "logstash" in dependency
    assert services["setup"]["depends_on"]["es01"]["condition"] == "service_healthy"
    assert services["logstash"]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    mounts = [v["source"] for v in services["kibana"]["volumes"] if v["type"] == "bind"]
    assert [Path(m).name for m in mounts] == ["ca.crt"]  # Kibana holds no private key
    kibana_env = services["kibana"]["environment"]
    keys = [kibana_env[k] for k in ("XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY", "XPACK_SECURITY_ENCRYPTIONKEY",
                                    "XPACK_REPORTING_ENCRYPTIONKEY")]
    assert len(set(keys)) == 3 and all(len(k) >= 32 for k in keys)


def test_compose_refuses_a_broken_file(rendered, tmp_path):
    _, out, _ = rendered
    stack = yaml.safe_load((out / "compose" / "docker-compose.yml").read_text())
    stack["services"]["logstash"]["depends_on"] = {"setpu": {"condition": "service_completed_successfully"}}
    broken = tmp_path / "compose"
    broken.mkdir()
    (broken / "docker-compose.yml").write_text(yaml.safe_dump(stack))
    result = compose_config(tmp_path, 1, tmp_path)
    assert result.returncode != 0 and "setpu" in result.stderr


# -- Logstash's config grammar ------------------------------------------------------------------
def mustache_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool("mustache")), "check", str(path)], capture_output=True, text=True)


def test_every_logstash_pipeline_parses_with_logstashs_grammar(rendered):
    model, out, _ = rendered
    pipelines = sorted((out / "logstash").rglob("*.conf"))
    assert len(pipelines) == 2
    for path in pipelines:
        result = mustache_check(path)
        assert result.returncode == 0, f"{path}: {result.stdout}{result.stderr}"
        # and its linter: every plugin has an id (Logstash's monitoring and logs name plugins by it)
        lint = subprocess.run([str(tool("mustache")), "lint", str(path)], capture_output=True, text=True)
        assert lint.returncode == 0, f"{path}: {lint.stdout}{lint.stderr}"
    ids = re.findall(r'\bid => "([^"]+)"', (out / "logstash" / "pipeline" / f"{model.name}.conf").read_text())
    assert len(ids) == len(set(ids)) >= 3


def test_the_grammar_check_refuses_a_broken_pipeline(rendered, tmp_path):
    _, out, _ = rendered
    text = next((out / "logstash" / "pipeline").glob("*.conf")).read_text()
    broken = tmp_path / "broken.conf"
    broken.write_text(text[:text.rindex("}")])  # the last closing brace gone
    result = mustache_check(broken)
    assert result.returncode != 0 and "Parsing error" in result.stdout + result.stderr


# -- the Elasticsearch 9 request specification --------------------------------------------------
def setup_requests(out: Path) -> list[tuple[str, str, object]]:
    """The requests of the rendered setup script, with its JSON bodies (environment filled in)."""
    script = (out / "compose" / "setup.sh").read_text().replace("\\\n", " ")
    env = {"KIBANA_PASSWORD": "k", "LOGSTASH_WRITER_PASSWORD": "w", "ELASTIC_PASSWORD": "e"}
    requests = []
    for line in script.splitlines():
        words = line.strip().split(" ", 1)
        if words[0] != "request" or len(words) < 2:
            continue
        args = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], words[1]))
        # the loop over the case pipelines: one request per rendered file
        cases = sorted((out / "elasticsearch" / "ingest-pipelines").glob("*.json")) if "@$case" in args else [None]
        for case in cases:
            _, _, method, path, *rest = [a.replace("$name", case.stem).replace("@$case", f"@/stackgen/{case.relative_to(out)}")
                                         if case else a for a in args]
            body = None
            if rest[:1] == ["-d"]:
                body = json.loads(rest[1])
            elif rest[:1] == ["--data-binary"]:
                body = json.loads((out / rest[1].replace("@/stackgen/", "")).read_text())
            requests.append((method, path, body))
    return requests


def test_every_setup_request_fits_the_specification(rendered, spec):
    _, out, _ = rendered
    requests = setup_requests(out)
    cases = len(list((out / "elasticsearch" / "ingest-pipelines").glob("*.json")))
    assert [r[0] + " " + r[1].split("/")[1] for r in requests] == [
        "POST _security", "PUT _security", "PUT _security", "PUT _index_template", *["PUT _ingest"] * (cases + 1)]
    assert requests[-1][1] == f"/_ingest/pipeline/{rendered[0].pipeline_id}"  # the main one last
    problems = [p for method, path, body in requests for p in spec.check_request(method, path, body)]
    assert problems == []


def test_every_request_the_engines_send_fits_the_specification(rendered, spec, es_url):
    model, _, samples = rendered
    client = connect(es_url)
    sent: list[tuple[str, str, object]] = []
    client.observers.append(lambda method, path, body: sent.append((method, path, body)))
    try:
        assert verify(model, samples, ElasticsearchEngine(model, client)).ok
        engine = FilebeatEngine(model, client, es_url)  # the filebeat engine's own requests too
        engine.prefetch(sorted(samples.glob("*.log"))[:1])
        engine.close()
    finally:
        client.close()
    endpoints = {spec.endpoint(method, path.split("?")[0])["name"] for method, path, _ in sent}
    assert {"indices.put_index_template", "ingest.put_pipeline", "bulk", "mget", "field_caps", "count",
            "delete_by_query", "search"} <= endpoints
    problems = [p for method, path, body in sent for p in spec.check_request(method, path, body)]
    assert problems == [], problems[:10]


def test_every_dashboard_panel_query_fits_the_specification(rendered, spec):
    model, _, _ = rendered
    panels = [panel for dashboard in model.dashboards for panel in dashboard.panels]
    assert panels
    problems = [p for panel in panels for p in spec.check_request("POST", "/x-*/_search", search_body(model, panel))]
    assert problems == []


def test_the_specification_check_catches_broken_bodies(spec, ezcast):
    pipeline = es_pipeline.body(ezcast)
    grok = next(i for i, p in enumerate(pipeline["processors"]) if "grok" in p)
    broken = copy.deepcopy(pipeline)
    broken["processors"][grok]["grok"]["patern"] = broken["processors"][grok]["grok"].pop("patterns")
    assert spec.check_request("PUT", "/_ingest/pipeline/x", broken) == [
        f"PUT /_ingest/pipeline/x (ingest.put_pipeline) body.processors[{grok}].grok: unknown property 'patern'",
        f"PUT /_ingest/pipeline/x (ingest.put_pipeline) body.processors[{grok}].grok: "
        "required property 'patterns' is missing"]
    template = es_template.body(ezcast)
    template["template"]["mappings"]["properties"]["message"] = {"type": "txt"}
    [problem] = spec.check_request("PUT", "/_index_template/x", template)
    assert "message.type: 'txt' is not one of" in problem
    assert spec.check_request("POST", "/x/_bulk?pipline=p", '{"crate":{}}\n{}\n')[0].endswith(
        "unknown query parameter 'pipline'")
    assert spec.check_request("PUT", "/_security/role/r", {"indices": [{"names": ["x"], "privileges": "all"}]})


# -- Filebeat ships the samples -----------------------------------------------------------------
def test_filebeat_ships_every_sample_like_the_goldens(rendered, es_url):
    model, _, samples = rendered
    client = connect(es_url)
    engine = FilebeatEngine(model, client, es_url)
    try:
        report = verify(model, samples, engine)
        assert report.ok, report.human()
        for log in sorted(samples.glob("*.log")):  # Filebeat's own framing is stackgen's, record by record
            records = frame(model, log.read_bytes(), str(log))
            assert [e["message"] for e in engine.framed[str(log)]] == [r.text for r in records]
            assert len(engine.shipped[str(log)]) == len(records)
    finally:
        engine.close()
        client.close()


def test_a_file_shorter_than_filebeats_fingerprint_ships(ezcast, es_url, tmp_path, monkeypatch):
    """Filebeat 9 identifies files by a fingerprint of their first 1024 bytes and, by default, never
    reads a shorter one; the rendered input uses native identity, so a one-line log ships."""
    line = b"2017-11-16-08:12:05 | s | ::1 | jdoe | 1 | view_albums\n"
    (tmp_path / "tiny.log").write_bytes(line)
    client = connect(es_url)
    engine = FilebeatEngine(ezcast, client, es_url)
    try:
        engine.prefetch([tmp_path / "tiny.log"])
        [document] = engine.shipped[str(tmp_path / "tiny.log")]
        assert document["event"]["action"] == "view_albums" and document["user"]["name"] == "jdoe"
        # the same input without those two settings: Filebeat reads nothing at all
        import stackgen.engines.filebeat as module

        rendered = module.filebeat.render
        monkeypatch.setattr(module.filebeat, "render", lambda model: [
            type(a)(a.path, a.content.replace("    prospector.scanner.fingerprint.enabled: false\n", "")
                    .replace("    file_identity.native: ~\n", "")) for a in rendered(model)])
        monkeypatch.setattr(module, "STALL_SECONDS", 8)
        again = tmp_path / "again"
        again.mkdir()
        (again / "tiny.log").write_bytes(line)
        with pytest.raises(EngineError, match="framed none of 1 records"):
            engine.prefetch([again / "tiny.log"])
    finally:
        engine.close()
        client.close()


def test_a_missing_filebeat_is_an_environment_error_before_any_node_starts(tmp_path):
    env = {**os.environ, "STACKGEN_FILEBEAT": str(tmp_path / "no-filebeat")}
    result = subprocess.run([sys.executable, "-m", "stackgen", "verify", str(ROOT / "samples" / "ezcast"),
                             "--engine", "filebeat"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 3
    assert f"STACKGEN_FILEBEAT={tmp_path / 'no-filebeat'}: no such file" in result.stderr
    assert "starting Elasticsearch" not in result.stderr and "Traceback" not in result.stderr
