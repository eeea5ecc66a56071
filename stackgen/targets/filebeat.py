"""Stage 3: Filebeat configurations: a filestream input with the schema's multiline rule,
shipping to Logstash, and a variant shipping straight to Elasticsearch's ingest pipeline."""
from __future__ import annotations

from stackgen.model.nodes import LogModel, MAX_RECORD_BYTES
from stackgen.resources import render_template
from stackgen.targets.base import Artifact

NAME = "filebeat"


def render(model: LogModel) -> list[Artifact]:
    return [
        Artifact("filebeat/filebeat.yml", render_template("filebeat/filebeat.yml.j2", model=model, direct=False,
                                                               max_bytes=MAX_RECORD_BYTES)),
        Artifact("filebeat/filebeat-elasticsearch.yml",
                 render_template("filebeat/filebeat.yml.j2", model=model, direct=True, max_bytes=MAX_RECORD_BYTES)),
    ]
