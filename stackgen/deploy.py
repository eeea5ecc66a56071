"""Stage 6: a rendered stack brought up with Docker: secrets, pre-flight checks, compose, loading.

`up` renders every artifact, writes `compose/.env` (random secrets, mode 0600, kept across runs),
checks the machine, runs `docker compose up --wait` (its one-shot setup service installs the index
template and ingest pipeline before any shipper starts), then imports the Kibana saved objects. Nothing here runs on a machine without Docker; the
pre-flight checks say what is missing (exit 3).
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

from stackgen import files
from stackgen.stackdir import client as elasticsearch, read_env
from stackgen.errors import EnvironmentProblem
from stackgen.model.nodes import LogModel
from stackgen.targets import kibana, render_all
from stackgen.targets.compose import DEFAULT_STACK_VERSION, NODES

SECRETS = ("ELASTIC_PASSWORD", "KIBANA_PASSWORD", "LOGSTASH_WRITER_PASSWORD",
           "KIBANA_SAVED_OBJECTS_KEY", "KIBANA_SECURITY_KEY", "KIBANA_REPORTING_KEY")
LEGACY_SECRETS = {"KIBANA_ENCRYPTION_KEY": "KIBANA_SAVED_OBJECTS_KEY"}  # an older .env's name: key kept
MIN_MEMORY = 4 * 1024 ** 3
MIN_MAP_COUNT = 262144


def write_env(path: Path, log_dir: Path, version: str = DEFAULT_STACK_VERSION, nodes: int = 1) -> dict[str, str]:
    """Create or complete `.env`: secrets generated once and kept, readable by its owner only."""
    values = read_env(path)
    for old, new in LEGACY_SECRETS.items():  # encrypted saved objects stay readable after an upgrade
        if old in values:
            values.setdefault(new, values.pop(old))
    for key in SECRETS:
        values.setdefault(key, secrets.token_urlsafe(32))
    values.update({"STACK_VERSION": version, "STACKGEN_LOG_DIR": str(log_dir.resolve())})
    values.setdefault("ES_PORT", "9200")
    values.setdefault("KIBANA_PORT", "5601")
    values.setdefault("ES_HEAP", "1g")
    values.setdefault("LS_HEAP", "512m")
    if nodes == 3:
        values.update({"COMPOSE_PROFILES": "multinode", "ES_MASTER_NODES": ",".join(NODES),
                       "ES_SEED_HOSTS": ",".join(NODES[1:])})
    else:
        values.update({"COMPOSE_PROFILES": "", "ES_MASTER_NODES": NODES[0], "ES_SEED_HOSTS": ""})
    text = "# written by stackgen up: secrets for this stack only; keep this file private\n"
    text += "".join(f"{key}={values[key]}\n" for key in sorted(values))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
    return values


def preflight() -> None:
    """Raise one EnvironmentProblem listing everything this machine lacks for the stack."""
    problems = []
    try:
        import docker

        client = docker.from_env()
        client.ping()
        memory = client.info().get("MemTotal", 0)
        if memory and memory < MIN_MEMORY:
            problems.append(f"Docker has {memory / 1024 ** 3:.1f} GiB of memory; the stack needs at least 4 GiB")
    except Exception as exc:  # the SDK raises several types for "no engine"
        problems.append(f"no Docker engine is reachable ({type(exc).__name__}: {exc}); start Docker first")
    if shutil.which("docker") is None or subprocess.run(["docker", "compose", "version"],
                                                        capture_output=True).returncode != 0:
        problems.append("the Docker Compose plugin (`docker compose`) is not installed")
    map_count = Path("/proc/sys/vm/max_map_count")
    if map_count.exists() and int(map_count.read_text()) < MIN_MAP_COUNT:
        problems.append(f"vm.max_map_count is {map_count.read_text().strip()}; Elasticsearch needs {MIN_MAP_COUNT} "
                        f"(sudo sysctl -w vm.max_map_count={MIN_MAP_COUNT})")
    if problems:
        raise EnvironmentProblem("the Docker stack cannot start here:\n  - " + "\n  - ".join(problems))


def _compose(directory: Path, *args: str, progress=lambda m: None) -> str:
    command = ["docker", "compose", "-f", str(directory / "compose" / "docker-compose.yml"),
               "--env-file", str(directory / "compose" / ".env"), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip())
        progress(line.rstrip())
    if process.wait() != 0:
        raise EnvironmentProblem(f"docker compose {' '.join(args)} failed:\n" + "\n".join(lines[-30:]))
    return "\n".join(lines)


def _import_saved_objects(directory: Path, ndjson: str, api: str = "/api/saved_objects/_import") -> dict:
    env = read_env(directory / "compose" / ".env")
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.ndjson\"\r\n"
            f"Content-Type: application/ndjson\r\n\r\n{ndjson}\r\n--{boundary}--\r\n").encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{env.get('KIBANA_PORT', '5601')}{api}?overwrite=true",
        data=body, method="POST",
        headers={"kbn-xsrf": "stackgen", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    token = base64.b64encode(f"elastic:{env['ELASTIC_PASSWORD']}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    if not answer.get("success"):
        raise EnvironmentProblem(f"Kibana refused the saved objects: {json.dumps(answer.get('errors'))[:2000]}")
    return answer


def prepare(model: LogModel, directory: Path, log_dir: Path, version: str = DEFAULT_STACK_VERSION,
            nodes: int = 1) -> dict[str, str]:
    """Render every artifact into the stack directory and write its .env."""
    files.write(render_all(model), directory)
    return write_env(directory / "compose" / ".env", log_dir, version, nodes)


def start(directory: Path, progress=lambda m: None) -> None:
    """Pre-flight checks, `docker compose up --wait`, then wait for the setup service's users."""
    progress("pre-flight checks")
    preflight()
    progress("starting the stack (certificates, nodes, setup, then Kibana and the shippers)")
    try:
        _compose(directory, "up", "--detach", "--wait", progress=progress)
    except EnvironmentProblem as exc:
        raise EnvironmentProblem(f"{exc}\nsetup's own account of it:\n{_setup_log(directory)}") from None


def _setup_log(directory: Path) -> str:
    try:
        return _compose(directory, "logs", "--no-color", "--tail", "20", "setup")
    except EnvironmentProblem as exc:
        return str(exc)


def load(model: LogModel, directory: Path, progress=lambda m: None) -> None:
    """Import the Kibana saved objects (setup installed the template and pipeline, and checks them here)."""
    client = elasticsearch(directory)
    for path in (f"/_index_template/{model.template_name}", f"/_ingest/pipeline/{model.pipeline_id}"):
        client.request("GET", path)  # a 404 here is an error: setup did not install it
    progress("index template and ingest pipeline are in place")
    _import_saved_objects(directory, kibana.render(model)[0].content)
    progress("Kibana saved objects imported")
    rules = directory / "kibana" / "detection-rules.ndjson"
    if rules.is_file():  # rendered disabled; Kibana's Security app takes them on any license
        try:
            answer = _import_saved_objects(directory, rules.read_text(encoding="utf-8"),
                                           "/api/detection_engine/rules/_import")
            progress(f"{answer.get('success_count', 0)} detection rules imported (disabled: enable them in Security)")
        except (EnvironmentProblem, OSError) as exc:
            progress(f"warning: the detection rules were not imported ({exc}); import {rules} in Kibana's Security app")


def up(model: LogModel, directory: Path, log_dir: Path, version: str = DEFAULT_STACK_VERSION, nodes: int = 1,
       progress=lambda m: None) -> dict:
    """Render, check, start and load the stack; return where to find it."""
    env = prepare(model, directory, log_dir, version, nodes)
    start(directory, progress)
    load(model, directory, progress)
    return {"elasticsearch": f"https://127.0.0.1:{env['ES_PORT']}", "kibana": f"http://127.0.0.1:{env['KIBANA_PORT']}",
            "credentials": str(directory / "compose" / ".env"), "user": "elastic"}


def down(directory: Path, volumes: bool = False, progress=lambda m: None) -> None:
    _compose(directory, "down", *(["--volumes"] if volumes else []), progress=progress)


def status(directory: Path) -> str:
    return _compose(directory, "ps", "--format", "table {{.Service}}\t{{.State}}\t{{.Health}}")
