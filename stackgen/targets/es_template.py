"""Stage 3: the Elasticsearch composable index template with an explicit mapping per field."""
from __future__ import annotations

from stackgen.model.nodes import FieldType, KEYWORD_IGNORE_ABOVE, LogModel, ORIGINAL_FIELD
from stackgen.targets.base import Artifact, to_json

NAME = "es_template"
PATH = "elasticsearch/index-template.json"
_MAPPING = {
    FieldType.KEYWORD: {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE},
    FieldType.TEXT: {"type": "text"},
    FieldType.INTEGER: {"type": "integer"},
    FieldType.LONG: {"type": "long"},
    FieldType.FLOAT: {"type": "float"},
    FieldType.DOUBLE: {"type": "double"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.IP: {"type": "ip"},
    FieldType.DATE: {"type": "date"},
}


# What Filebeat adds to every record (schemas cannot target `log.*`): mapped, not guessed, so that
# records sort by file and offset and a cut record is found by its flag.
SHIPPER_FIELDS = {
    "log.file.path": {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE},
    "log.offset": {"type": "long"},
    "log.flags": {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE},
}
# One replica where a second node can hold it, none on a single node (which would stay yellow).
REPLICAS = "0-1"


def field_types(model: LogModel) -> dict[str, str]:
    """Every document field stackgen writes, with its Elasticsearch type."""
    return {path: _MAPPING[kind]["type"] for path, kind in model.document_fields().items()}


def _properties(model: LogModel) -> dict:
    mappings = {path: dict(_MAPPING[kind]) for path, kind in model.document_fields().items()}
    for path, limit in model.keyword_limits().items():
        mappings[path]["ignore_above"] = limit
    # kept only when a record failed to parse: stored, not searchable (as in ECS)
    mappings[ORIGINAL_FIELD] = {"type": "keyword", "index": False, "doc_values": False}
    mappings.update(SHIPPER_FIELDS)
    root: dict = {}
    for path in sorted(mappings):
        parts = [path] if path.startswith("@") else path.split(".")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {"properties": {}})["properties"]
        node[parts[-1]] = mappings[path]
    return root


def body(model: LogModel, index_pattern: str | None = None) -> dict:
    """The `PUT _index_template/<name>` body."""
    return {
        "index_patterns": [index_pattern or model.index_pattern],
        "priority": 200,
        "template": {
            "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": REPLICAS,
                                   "mapping": {"total_fields": {"limit": 2000}}}},
            "mappings": {"dynamic": True, "date_detection": False, "properties": _properties(model)},
        },
        "_meta": {"generated_by": "stackgen", "schema": model.name},
    }


def render(model: LogModel) -> list[Artifact]:
    return [Artifact(PATH, to_json(body(model)))]
