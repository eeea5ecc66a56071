"""Where the real tools are: Filebeat, Docker Compose, the Docker engine, Logstash's grammar, the ES 9 spec.

`scripts/tools` builds or fetches each once per machine into the stackgen cache directory
(`tools/<name>-<version>/`); an environment variable names another copy. Nothing here builds:
a missing tool is an environment problem that says how to get it.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from stackgen.engines.jvm import cache_root
from stackgen.errors import EnvironmentProblem


@dataclass(frozen=True)
class Tool:
    name: str
    variable: str  # environment variable naming the file
    pattern: str  # glob under <cache>/tools
    on_path: str | None = None  # a command name to look for on PATH last


TOOLS = {tool.name: tool for tool in (
    Tool("filebeat", "STACKGEN_FILEBEAT", "filebeat-*/filebeat", "filebeat"),
    Tool("compose", "STACKGEN_COMPOSE", "compose-*/cli-plugins/docker-compose"),
    Tool("mustache", "STACKGEN_MUSTACHE", "mustache-*/mustache", "mustache"),
    Tool("es-spec", "STACKGEN_ES_SPEC", "es-spec-*/schema.json"),
)}


def find(name: str) -> Path | None:
    """The tool's file: $VARIABLE, else the newest cached build, else the command on PATH."""
    tool = TOOLS[name]
    if os.environ.get(tool.variable):
        path = Path(os.environ[tool.variable])
        return path if path.is_file() else None
    cached = sorted((cache_root() / "tools").glob(tool.pattern), key=lambda p: p.stat().st_mtime)
    if cached:
        return cached[-1]
    found = shutil.which(tool.on_path) if tool.on_path else None
    return Path(found) if found else None


def require(name: str) -> Path:
    """The tool's file, or an environment problem saying how to get it."""
    path = find(name)
    tool = TOOLS[name]
    if path is None and os.environ.get(tool.variable):
        raise EnvironmentProblem(f"{tool.variable}={os.environ[tool.variable]}: no such file")
    if path is None:
        raise EnvironmentProblem(f"{name} is not installed: run `scripts/tools {name}` from a stackgen checkout "
                                 f"(it builds or fetches it into {cache_root() / 'tools'}), or set "
                                 f"{tool.variable} to one")
    return path


def docker_host() -> str:
    """$DOCKER_HOST, else the engine `scripts/tools docker` starts, else Docker's default socket."""
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"]
    socket = cache_root() / "docker" / "docker.sock"
    return f"unix://{socket}" if socket.exists() else "unix:///var/run/docker.sock"
