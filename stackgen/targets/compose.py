"""Stage 3: the Docker Compose deployment: Elasticsearch (1 node, or 3 with a profile), Kibana,
Logstash and Filebeat at one pinned stack version, secured by a one-shot setup service.

Nothing secret is rendered: passwords are `${VAR}` references to the `.env` that `stackgen up`
writes (mode 0600). The writer role lets Logstash create documents and indices matching the
schema's index pattern, and nothing else.
"""
from __future__ import annotations

import json
import posixpath

from stackgen.model.nodes import LogModel
from stackgen.resources import render_template
from stackgen.targets.base import Artifact

NAME = "compose"
DEFAULT_STACK_VERSION = "9.5.2"
NODES = ("es01", "es02", "es03")


def writer_user(model: LogModel) -> str:
    return f"stackgen_{model.name}_logstash"


def writer_role(model: LogModel) -> dict:
    """Least privilege for the pipeline writer: create documents and indices of this schema only."""
    return {"cluster": ["monitor"],
            "indices": [{"names": [model.index_pattern], "privileges": ["create_doc", "create_index"]}]}


def log_dir(model: LogModel) -> str:
    """The directory the first source path watches, where the host's log directory is mounted."""
    return posixpath.dirname(model.paths[0]) or "/var/log/stackgen"


def render(model: LogModel, version: str = DEFAULT_STACK_VERSION) -> list[Artifact]:
    context = {
        "model": model, "version": version, "nodes": NODES, "writer": writer_user(model),
        "role": f"stackgen_{model.name}_writer", "role_body": json.dumps(writer_role(model), separators=(",", ":")),
        "log_dir": log_dir(model),
    }
    return [
        Artifact("compose/docker-compose.yml", render_template("compose/docker-compose.yml.j2", **context)),
        Artifact("compose/setup.sh", render_template("compose/setup.sh.j2", **context)),
    ]
