"""Stage 3: targets. Each module renders the model into artifacts; none imports another."""
from __future__ import annotations

import difflib
import importlib

from stackgen.errors import UsageError
from stackgen.model.nodes import LogModel
from stackgen.targets.base import Artifact

TARGETS = ("logstash", "filebeat", "es_pipeline", "es_template", "kibana", "detections", "compose")


def get_target(name: str):
    """The target module for a name, or a usage error suggesting the closest name."""
    if name not in TARGETS:
        close = difflib.get_close_matches(name, TARGETS, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise UsageError(f"unknown target '{name}'; targets: {', '.join(TARGETS)}.{hint}")
    return importlib.import_module(f"stackgen.targets.{name}")


def render_all(model: LogModel, names: tuple[str, ...] = TARGETS) -> list[Artifact]:
    """Every artifact of the named targets, sorted by path."""
    artifacts: list[Artifact] = []
    for name in names:
        artifacts.extend(get_target(name).render(model))
    return sorted(artifacts)
