"""The compose deployment, checked statically (no Docker engine here): the Compose Specification,
security defaults, secrets only in .env, and pre-flight checks that say what is missing."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
import re
import stat

import jsonschema
import pytest
import yaml

import stackgen
from stackgen import deploy
from stackgen.errors import EnvironmentProblem
from stackgen.targets import compose

from conftest import ROOT

# The Compose Specification's JSON schema (Apache-2.0, compose-spec/compose-spec), kept in the repository
SPEC = Path(__file__).resolve().parent / "data" / "compose-spec.json.gz"


@pytest.fixture(scope="module")
def rendered(ezcast):
    return {a.path: a.content for a in stackgen.render(ezcast)}


@pytest.fixture(scope="module")
def stack(rendered):
    return yaml.safe_load(rendered["compose/docker-compose.yml"])


def test_the_compose_file_follows_the_compose_specification(stack):
    schema = json.loads(gzip.decompress(SPEC.read_bytes()))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(stack), key=str)
    assert errors == []
    assert "version" not in stack


def test_every_service_is_healthchecked_bound_to_loopback_and_started_in_order(stack):
    services = stack["services"]
    assert set(services) == {"certs", "setup", "es01", "es02", "es03", "kibana", "logstash", "filebeat"}
    one_shot = {"certs", "setup"}  # they finish; what depends on them waits for a successful exit
    for name, service in services.items():
        assert ("healthcheck" in service) == (name not in one_shot), name
        for port in service.get("ports", []):
            assert port.startswith('127.0.0.1:'), (name, port)
        for dependency, condition in service.get("depends_on", {}).items():
            wanted = "service_completed_successfully" if dependency in one_shot else "service_healthy"
            assert condition == {"condition": wanted}, (name, dependency)
    # certificates, then the nodes, then setup (users, roles, template, pipeline), then the rest
    assert all(services[node]["depends_on"] == {"certs": {"condition": "service_completed_successfully"}}
               for node in compose.NODES)
    assert services["setup"]["depends_on"] == {"es01": {"condition": "service_healthy"}}
    for name in ("kibana", "logstash"):
        assert services[name]["depends_on"] == {"setup": {"condition": "service_completed_successfully"}}
    assert services["filebeat"]["depends_on"] == {"logstash": {"condition": "service_healthy"}}
    assert sorted(n for n, s in services.items() if s.get("ports")) == ["es01", "kibana"]


def test_setup_installs_the_template_and_pipeline_and_says_why_it_failed(rendered):
    script = rendered["compose/setup.sh"]
    steps = re.findall(r'^  request "([^"]+)"', script, re.M)
    assert steps == ["kibana_system password", "writer role stackgen_ezcast_writer",
                     "writer user stackgen_ezcast_logstash", "index template stackgen-ezcast",
                     "ingest pipeline stackgen-ezcast"]
    assert "--data-binary @/stackgen/elasticsearch/index-template.json" in script
    # the variants' case pipelines are installed before the main pipeline, which runs them by name
    assert script.index("/stackgen/elasticsearch/ingest-pipelines/*.json") < script.index(
        '"ingest pipeline stackgen-ezcast"')
    assert "setup failed at step '$step'" in script and "last answer" in script
    assert "sleep infinity" not in script  # a one-shot: it exits, 0 only when every step worked


def test_security_and_tls_are_on_and_data_is_in_named_volumes(stack):
    node = stack["services"]["es01"]["environment"]
    assert node["xpack.security.enabled"] == "true"
    assert node["xpack.security.http.ssl.enabled"] == "true"
    assert node["xpack.security.transport.ssl.enabled"] == "true"
    assert "-Xmx${ES_HEAP:-1g}" in node["ES_JAVA_OPTS"]
    assert "es01-data:/usr/share/elasticsearch/data" in stack["services"]["es01"]["volumes"]
    assert {"es01-data", "es02-data", "es03-data", "filebeat-registry"} <= set(stack["volumes"])
    filebeat = stack["services"]["filebeat"]["volumes"]
    assert "${STACKGEN_LOG_DIR:?run stackgen up, which writes .env}:/var/lib/ezcast/ezplayer/ezplayer_traces:ro" in filebeat
    assert stack["services"]["es02"]["profiles"] == ["multinode"]
    assert "image" in stack["services"]["es02"] and stack["services"]["es01"]["image"].endswith(
        ":${STACK_VERSION:-" + compose.DEFAULT_STACK_VERSION + "}")


def test_the_writer_role_is_least_privilege(ezcast, rendered):
    assert compose.writer_role(ezcast) == {
        "cluster": ["monitor"], "indices": [{"names": ["ezcast-*"], "privileges": ["create_doc", "create_index"]}]}
    assert json.dumps(compose.writer_role(ezcast), separators=(",", ":")) in rendered["compose/setup.sh"]
    conf = rendered["logstash/pipeline/ezcast.conf"]
    assert "ilm_enabled => false" in conf and "manage_template => false" in conf


def test_secrets_go_to_a_private_env_file_and_nowhere_else(tmp_path, rendered):
    env_path = tmp_path / "compose" / ".env"
    values = deploy.write_env(env_path, tmp_path / "logs")
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    secrets = [values[k] for k in deploy.SECRETS]
    assert len(set(secrets)) == 6 and all(len(s) >= 32 for s in secrets)
    assignments = 0
    for path, text in rendered.items():
        assert not any(secret in text for secret in secrets), path
        for match in re.finditer(r"(?i)password\\?\"?\s*(=>|:|=)\s*(\S+)", text):
            assignments += 1
            assert "${" in match.group(2), (path, match.group(0))  # a reference, never a value
    assert assignments >= 8
    again = deploy.write_env(env_path, tmp_path / "logs", nodes=3)
    assert [again[k] for k in deploy.SECRETS] == secrets  # kept across runs
    assert again["COMPOSE_PROFILES"] == "multinode" and again["ES_SEED_HOSTS"] == "es02,es03"


def test_an_older_env_keeps_its_saved_objects_key(tmp_path):
    env_path = tmp_path / ".env"
    env_path.write_text("KIBANA_ENCRYPTION_KEY=" + "k" * 40 + "\n")
    values = deploy.write_env(env_path, tmp_path)
    assert values["KIBANA_SAVED_OBJECTS_KEY"] == "k" * 40 and "KIBANA_ENCRYPTION_KEY" not in values
    assert len({values["KIBANA_SAVED_OBJECTS_KEY"], values["KIBANA_SECURITY_KEY"], values["KIBANA_REPORTING_KEY"]}) == 3


def test_up_says_what_this_machine_lacks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-engine.sock'}")  # an engine nobody runs
    from stackgen.cli import main

    code = main(["up", str(ROOT / "samples" / "ezcast" / "schema.yaml"), "--dir", str(tmp_path / "stack"),
                 "--logs", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 3
    assert "no Docker engine is reachable" in err and "Traceback" not in err
    with pytest.raises(EnvironmentProblem):
        deploy.preflight()
