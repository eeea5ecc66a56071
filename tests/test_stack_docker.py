"""The Docker path with pytest-docker, as far as these machines allow.

What runs: a real Docker engine (Debian's docker.io, started by `scripts/tools docker`) and real
Docker Compose v2 (`tests/docker/compose.yml`) run real Elasticsearch 7.10.2 and real Filebeat 9.3
in containers, on a compose network with name resolution and a published port. Filebeat reads the
rendered `filebeat-elasticsearch.yml` unchanged, its log directory bind-mounted where the schema's
paths point (as the rendered compose file mounts it); the index template and ingest pipeline are
installed before Filebeat starts (as the rendered setup service does); the EZCast samples are
dropped into the directory one file at a time and must come out as their goldens.

What cannot run here: no image can be pulled, so the containers use a runtime image imported from
this machine's JDK 17 and libraries, not the official Elastic images; hence no TLS, security,
Logstash or Kibana in this test, and the rendered `compose/docker-compose.yml` itself is only
loaded by `docker compose config` (tests/test_real_tools.py), never started.
"""
from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import pytest
import yaml

import stackgen
from stackgen import realtools
from stackgen.engines import jvm
from stackgen.engines.elasticsearch import connect
from stackgen.engines.filebeat import ca_bundle
from stackgen.engines.stack import StackEngine
from stackgen.targets import compose, es_pipeline, es_template
from stackgen.verify import verify

from conftest import ROOT, SAMPLES

RUNTIME_IMAGE = "stackgen-test/runtime:jdk17-3"  # a new tag whenever _runtime_tar changes
SKIP_IN_JDK = ("jmods", "include", "legal", "docs", "man", "demo", "lib/src.zip")


def _libraries(binaries: list[Path]) -> set[Path]:
    """The shared libraries (and the loader) these binaries need, from ldd."""
    found = set()
    for binary in binaries:
        result = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
        for word in result.stdout.split():
            if word.startswith("/") and Path(word).exists():
                found.add(Path(os.path.normpath(word)))  # ".../bin/../lib/libjli.so" once
    return found


def _runtime_tar(java: Path) -> bytes:
    """A root file system: the JDK, the libraries it and /bin/sh load, a CA bundle, os-release, /tmp."""
    jdk = java.resolve().parent.parent
    files: dict[str, Path] = {}
    for path in sorted(jdk.rglob("*")):
        relative = path.relative_to(jdk).as_posix()
        if path.is_file() and not relative.startswith(SKIP_IN_JDK):
            files[(jdk / relative).as_posix().lstrip("/")] = path
    shell = Path("/usr/bin/dash") if Path("/usr/bin/dash").exists() else Path("/bin/sh")
    for library in _libraries([java.resolve(), shell, *[p for p in jdk.rglob("*.so")]]):
        files[library.as_posix().lstrip("/")] = library
    files["bin/sh"] = shell
    files["etc/ssl/certs/ca-certificates.crt"] = Path(ca_bundle())
    files["etc/os-release"] = Path("/etc/os-release")  # Filebeat reads the host's distribution
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", dereference=True) as tar:
        for name, path in sorted(files.items()):
            tar.add(str(path), arcname=name, recursive=False)
        for directory, mode in (("tmp", 0o1777), ("data", 0o777)):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)
        passwd = b"root:x:0:0:root:/root:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        tar.addfile(info, io.BytesIO(passwd))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def docker_client():
    """The Docker engine scripts/tools started (a failure, never a skip, when there is none)."""
    import docker

    host = realtools.docker_host()
    os.environ["DOCKER_HOST"] = host  # for the compose binary pytest-docker runs
    client = docker.DockerClient(base_url=host)
    client.ping()
    return client


@pytest.fixture(scope="session")
def runtime_image(docker_client):
    try:
        docker_client.images.get(RUNTIME_IMAGE)
    except Exception:  # docker.errors.ImageNotFound: import it once
        java = Path(jvm.find_java(17))
        with tempfile.NamedTemporaryFile(suffix=".tar") as tar:
            tar.write(_runtime_tar(java))
            tar.flush()
            repository, tag = RUNTIME_IMAGE.split(":")
            docker_client.api.import_image_from_file(tar.name, repository=repository, tag=tag)
    return RUNTIME_IMAGE


@pytest.fixture(scope="session")
def logs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("docker-logs")
    directory.chmod(0o755)
    return directory


@pytest.fixture(scope="session")
def docker_compose_command():
    return str(realtools.require("compose"))


@pytest.fixture(scope="session")
def docker_compose_file(runtime_image, ezcast, logs, tmp_path_factory):
    config = tmp_path_factory.mktemp("docker-config") / "filebeat.yml"
    rendered = {a.path: a.content for a in stackgen.render(ezcast)}
    config.write_text(rendered["filebeat/filebeat-elasticsearch.yml"], encoding="utf-8")
    node_lib = jvm.classpath("node")
    os.environ.update({
        "RUNTIME_IMAGE": runtime_image, "JAVA": str(Path(jvm.find_java(17)).resolve()),
        "NODE_LIB": str(node_lib), "NODE_SOURCE": str(jvm.JAVA_DIR / "node" / "EsNode.java"),
        "FILEBEAT": str(realtools.require("filebeat")), "FILEBEAT_CONFIG": str(config),
        "LOGS": str(logs), "LOG_DIR": compose.log_dir(ezcast), "CA_FILE": ca_bundle(),
    })
    return str(ROOT / "tests" / "docker" / "compose.yml")


@pytest.fixture(scope="session")
def docker_setup():
    return ["up --detach elasticsearch"]  # Filebeat starts once the template and pipeline exist


@pytest.fixture(scope="session")
def docker_cleanup():
    return ["down --volumes --timeout 5"]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def test_filebeat_in_docker_ships_the_samples_into_elasticsearch_in_docker(docker_services, docker_compose_file,
                                                                          ezcast, logs):
    url = f"http://127.0.0.1:{docker_services.port_for('elasticsearch', 9200)}"
    docker_services.wait_until_responsive(check=lambda: _answers(url), timeout=180, pause=1)
    client = connect(url)
    client.request("PUT", f"/_index_template/{ezcast.template_name}", es_template.body(ezcast))
    for pipeline_id, body in es_pipeline.pipelines(ezcast):
        client.request("PUT", f"/_ingest/pipeline/{pipeline_id}", body)
    docker_services._docker_compose.execute("up --detach filebeat")
    report = verify(ezcast, SAMPLES, StackEngine(ezcast, client, logs))
    assert report.ok, report.human()
    inside = yaml.safe_load(Path(docker_compose_file).read_text())["services"]["filebeat"]["volumes"]
    assert "${LOGS:?}:${LOG_DIR:?}:ro" in inside  # the rendered config's own paths were read
