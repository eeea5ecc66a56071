"""Renderers: golden outputs, byte-identical determinism, and properties every target keeps."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

import stackgen
from stackgen.targets import es_pipeline, es_template
from stackgen.model import grok
from stackgen.model.lowering import lower
from stackgen.model.steps import Grok, walk

from conftest import ROOT, SAMPLES


def test_every_artifact_matches_its_golden(ezcast, assert_golden):
    artifacts = stackgen.render(ezcast)
    cases = [a.path for a in artifacts if a.path.startswith(es_pipeline.CASES_DIR + "/")]
    assert len(cases) == 42
    # `<main id>.<first key>-<hash of the keys>`: no model name holds a dot, so no main id can clash
    assert f"{es_pipeline.CASES_DIR}/stackgen-ezcast.login-c404e484.json" in cases
    assert all(c.startswith(f"{es_pipeline.CASES_DIR}/stackgen-ezcast.") for c in cases)
    assert [a.path for a in artifacts if a.path not in cases] == [
        "compose/docker-compose.yml",
        "compose/setup.sh",
        "elasticsearch/index-template.json",
        "elasticsearch/ingest-pipeline.json",
        "elasticsearch/ml/stackgen-ezcast-rare_action_for_user.json",
        "elasticsearch/ml/stackgen-ezcast-users_per_hour.json",
        "filebeat/filebeat-elasticsearch.yml",
        "filebeat/filebeat.yml",
        "kibana/detection-rules.ndjson",
        "kibana/saved-objects.ndjson",
        "logstash/dead-letters/ezcast.conf",
        "logstash/pipeline/ezcast.conf",
    ]
    for artifact in artifacts:
        assert_golden(f"ezcast/{artifact.path}", artifact.content)


def test_rendering_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    outputs = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "stackgen", "render", str(SAMPLES / "schema.yaml"), "-o", str(out)],
                       check=True, env=env, capture_output=True, cwd=ROOT)
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 9 + 42 + 3  # a pipeline per set of variant fields; rules and 2 anomaly jobs


def test_logstash_and_ingest_run_the_same_grok_strings(ezcast):
    groks = [step for step in walk(lower(ezcast).steps) if isinstance(step, Grok)]
    artifacts = {a.path: a.content for a in stackgen.render(ezcast)}
    # the main pipeline, then each case's pipeline in the order the switch lists them
    main = json.loads(artifacts["elasticsearch/ingest-pipeline.json"])
    cases = {path: json.loads(text) for path, text in artifacts.items() if path.startswith(es_pipeline.CASES_DIR)}
    ingest = {json.dumps(p["grok"]["patterns"]) for body in [main, *cases.values()] for p in body["processors"]
              if "grok" in p}
    assert ingest == {json.dumps(list(step.patterns)) for step in groks}
    assert len(cases) == 42  # 41 sets of variant fields and the default
    conf = artifacts["logstash/pipeline/ezcast.conf"]
    for step in groks:
        assert "[" + ", ".join(f'"{p}"' for p in step.patterns) + "] }" in conf
    assert conf.count("grok {") == len(groks)
    assert conf.count('ecs_compatibility => "disabled"') == len(groks)


def test_no_pattern_uses_a_dot_and_every_reference_is_defined(ezcast):
    for step in walk(lower(ezcast).steps):
        if not isinstance(step, Grok):
            continue
        defined = dict(step.definitions)
        for pattern in [*step.patterns, *defined.values()]:
            assert "." not in pattern.replace("\\.", ""), pattern
            assert all(ref in defined for ref in grok.references(pattern))


def test_logstash_pipeline_has_no_credentials_and_reads_them_from_the_environment(ezcast):
    conf = next(a.content for a in stackgen.render(ezcast) if a.path == "logstash/pipeline/ezcast.conf")
    assert 'password => "${LOGSTASH_WRITER_PASSWORD}"' in conf
    assert 'user => "${LOGSTASH_WRITER_USER}"' in conf
    assert 'timezone => "Europe/Brussels"' in conf
    assert "changeme" not in conf and "elastic:" not in conf


def test_filebeat_uses_filestream_with_the_multiline_rule(ezcast):
    files = {a.path: yaml.safe_load(a.content) for a in stackgen.render(ezcast) if a.path.startswith("filebeat/")}
    for config in files.values():
        (inp,) = config["filebeat.inputs"]
        assert inp["type"] == "filestream"
        parser = inp["parsers"][0]["multiline"]
        assert parser == {"type": "pattern", "pattern": ezcast.multiline.start, "negate": True,
                          "match": "after", "max_lines": 500}
    direct = files["filebeat/filebeat-elasticsearch.yml"]
    assert direct["output.elasticsearch"]["pipeline"] == "stackgen-ezcast"
    assert direct["output.elasticsearch"]["password"] == "${FILEBEAT_WRITER_PASSWORD}"
    assert files["filebeat/filebeat.yml"]["output.logstash"]["hosts"] == ["${LOGSTASH_HOSTS:logstash:5044}"]


def test_index_template_maps_every_document_field(ezcast):
    template = json.loads(next(a.content for a in stackgen.render(ezcast) if a.path.endswith("index-template.json")))
    props = template["template"]["mappings"]["properties"]
    assert props["@timestamp"] == {"type": "date"}
    assert props["source"]["properties"]["ip"] == {"type": "ip"}
    assert props["ezcast"]["properties"]["duration"] == {"type": "long"}
    assert props["ezcast"]["properties"]["speed"] == {"type": "double"}
    assert props["ezcast"]["properties"]["muted"] == {"type": "boolean"}
    assert props["ezcast"]["properties"]["description"] == {"type": "text"}
    assert props["event"]["properties"]["original"]["index"] is False
    assert template["index_patterns"] == ["ezcast-*"]

    def leaves(node, prefix=""):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if "properties" in value:
                yield from leaves(value["properties"], path)
            else:
                yield path
    # the schema's fields, and what Filebeat adds that dashboards and verify sort or filter by
    assert sorted(leaves(props)) == sorted([*ezcast.document_fields(), *es_template.SHIPPER_FIELDS])
    assert template["template"]["settings"]["index"]["auto_expand_replicas"] == "0-1"  # green on one node


def test_every_shipping_path_writes_each_record_once(ezcast):
    files = {a.path: a.content for a in stackgen.render(ezcast)}
    for name in ("filebeat/filebeat.yml", "filebeat/filebeat-elasticsearch.yml"):
        config = yaml.safe_load(files[name])
        fingerprint, op_type = config["processors"]
        assert fingerprint["fingerprint"] == {"fields": ["log.file.path", "log.offset", "message"],
                                              "target_field": "@metadata._id", "method": "sha256"}
        # straight to Elasticsearch, the pipeline rides in @metadata too: an event with @metadata
        # ignores the output's `pipeline` setting (found by running real Filebeat 9.3)
        pipeline = {"pipeline": ezcast.pipeline_id} if name.endswith("-elasticsearch.yml") else {}
        assert op_type["add_fields"] == {"target": "@metadata", "fields": {"op_type": "create", **pipeline}}
    for name in ("logstash/pipeline/ezcast.conf", "logstash/dead-letters/ezcast.conf"):
        assert 'document_id => "%{[@metadata][_id]}"' in files[name] and 'action => "create"' in files[name]
    assert "dead_letter_queue {" in files["logstash/dead-letters/ezcast.conf"]
    compose = yaml.safe_load(files["compose/docker-compose.yml"])["services"]["logstash"]
    assert compose["environment"]["QUEUE_TYPE"] == "persisted"
    assert compose["environment"]["DEAD_LETTER_QUEUE_ENABLE"] == "true"
    assert "logstash-data:/usr/share/logstash/data" in compose["volumes"]
