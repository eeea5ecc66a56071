"""Every shipped family: samples verify, local = embedded Elasticsearch, Joni agrees, dashboards hold."""
from __future__ import annotations

import pytest

import stackgen
from stackgen.engines import grokcheck
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.verify import verify
from stackgen.verify.compare import diff_documents, normalize
from stackgen.verify.panels import evaluate, rows, search_body

from conftest import ROOT

FAMILIES = sorted(p.parent.name for p in (ROOT / "samples").glob("*/schema.yaml"))


@pytest.fixture(scope="module", params=FAMILIES)
def family(request):
    directory = ROOT / "samples" / request.param
    model = stackgen.load_schema(directory / "schema.yaml")
    records = [r for log in sorted(directory.glob("*.log")) for r in frame(model, log.read_bytes(), log.name)]
    return model, directory, records


def test_the_five_new_families_ship_with_ezcast():
    assert FAMILIES == ["apache-access", "ezcast", "linux-auth", "nginx-access", "oracle-listener", "syslog"]


def test_samples_verify_locally_with_every_variant_covered(family):
    model, directory, records = family
    report = verify(model, directory, LocalEngine(model))
    assert report.ok, report.human()
    assert len(records) >= 50


def test_every_family_has_a_dashboard_with_panels(family):
    model, _, _ = family
    assert model.dashboards and model.dashboards[0].panels


@pytest.mark.engine
def test_local_engine_equals_elasticsearch_on_every_record(family, es_url):
    model, directory, records = family
    engine = ElasticsearchEngine(model, connect(es_url))
    remote = [normalize(model, d) for d in engine.documents(records)]
    here = [normalize(model, d) for d in LocalEngine(model).documents(records)]
    assert len(remote) == len(here) == len(records)
    assert diff_documents(here, remote, directory.name) == ""
    assert engine.problems == []


@pytest.mark.engine
def test_every_grok_pattern_captures_the_same_in_elasticsearch_grok_both_modes(family):
    model, _, records = family
    steps, mismatches = grokcheck.compare(LocalEngine(model), records)
    assert mismatches == []
    assert steps >= len(records)


@pytest.mark.engine
def test_dashboard_panels_answer_on_the_real_engine_what_the_documents_imply(family, es_url):
    model, _, records = family
    engine = ElasticsearchEngine(model, connect(es_url))
    with engine.loaded(records) as (index, documents):
        real = {}
        for panel in model.dashboards[0].panels:
            answer = engine.client.request("POST", f"/{index}/_search", search_body(model, panel))
            real[panel.id] = rows(panel, answer)
        fields = {f for p in model.dashboards[0].panels
                  for f in [*(b.field for b in p.buckets), *(k for k, _ in p.filter), p.metric.field] if f}
        caps = engine.client.request("GET", f"/{index}/_field_caps?fields={','.join(sorted(fields))}")["fields"]
    docs = [normalize(model, d) for d in documents]
    for panel in model.dashboards[0].panels:
        assert real[panel.id] == evaluate(model, panel, docs), panel.id
        assert real[panel.id], f"{panel.id} shows nothing on the samples"
    for field in fields:
        (info,) = caps[field].values()
        assert info["aggregatable"] is True, field


def test_every_artifact_matches_its_golden(family, assert_golden):
    model, directory, _ = family
    for artifact in stackgen.render(model):
        assert_golden(f"{directory.name}/{artifact.path}", artifact.content)
