"""Kibana saved objects: importable by every Kibana from 8.9 to 9.x, resolvable references, no overlap."""
from __future__ import annotations

import json

import pytest

import stackgen
from stackgen.errors import SchemaError
from stackgen.schema import parse_schema
from stackgen.targets import kibana

from conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def objects(ezcast):
    (artifact,) = kibana.render(ezcast)
    return [json.loads(line) for line in artifact.content.splitlines()]


def test_bundle_has_a_data_view_searches_visualizations_and_a_dashboard(objects):
    assert [o["type"] for o in objects] == ["index-pattern", "search", *["lens"] * 5, "dashboard"]
    view = objects[0]["attributes"]
    assert (view["title"], view["timeFieldName"]) == ("ezcast-*", "@timestamp")
    for obj in objects:
        assert obj["coreMigrationVersion"] == "8.8.0"
        assert obj["typeMigrationVersion"] == kibana.TYPE_VERSIONS[obj["type"]]
        assert set(obj) == {"attributes", "coreMigrationVersion", "id", "managed", "references", "type",
                            "typeMigrationVersion"}  # no volatile keys (updated_at, version, namespaces)


def test_every_reference_resolves_inside_the_bundle(objects):
    ids = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, (obj["attributes"]["title"], ref)
    dashboard = objects[-1]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    names = {ref["name"] for ref in dashboard["references"]}
    assert {f"{p['panelIndex']}:{p['panelRefName']}" for p in panels} == names
    for lens in objects[2:7]:
        layers = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
        assert {r["name"] for r in lens["references"]} == {f"indexpattern-datasource-layer-{k}" for k in layers}


def test_panels_say_what_the_schema_says(objects):
    lenses = {o["attributes"]["title"]: o["attributes"] for o in objects if o["type"] == "lens"}
    watched = lenses["Most watched videos (seconds played, top 10)"]
    assert watched["visualizationType"] == "lnsXY"
    assert watched["state"]["query"] == {"language": "kuery", "query": 'event.action : "video_play_time"'}
    (layer,) = watched["state"]["datasourceStates"]["formBased"]["layers"].values()
    columns = [layer["columns"][c] for c in layer["columnOrder"]]
    assert [(c["operationType"], c["sourceField"]) for c in columns] == [("terms", "ezcast.asset"),
                                                                        ("sum", "ezcast.play_time")]
    assert columns[0]["params"]["size"] == 10
    pie = lenses["User OS and browser at login (top 10)"]
    assert pie["visualizationType"] == "lnsPie"
    assert pie["state"]["query"]["query"] == \
        'event.action : ("login" or "login_as_anonymous" or "login_from_anonymous")'
    week = lenses["Logins per browser per week"]["state"]
    (layer,) = week["datasourceStates"]["formBased"]["layers"].values()
    assert [layer["columns"][c]["operationType"] for c in layer["columnOrder"]] == ["date_histogram", "terms", "count"]
    assert "splitAccessor" in week["visualization"]["layers"][0]


def test_ids_are_stable_across_renders(ezcast):
    assert kibana.render(ezcast) == kibana.render(stackgen.load_schema(SAMPLES / "schema.yaml"))


def test_the_kibana_bundle_matches_its_golden(ezcast, assert_golden):
    assert_golden("ezcast/kibana/saved-objects.ndjson", kibana.render(ezcast)[0].content)


_SCHEMA = (SAMPLES / "schema.yaml").read_text()
BASE = _SCHEMA[:_SCHEMA.index("\ndetections:") + 1]  # ends with the last panel


@pytest.mark.parametrize("panel,code", [
    ("{title: t, chart: pie, metric: count, buckets: [{terms: ezcast.nope}]}", "SG019"),
    ("{title: t, chart: bar, metric: {sum: ezcast.album}, buckets: [{terms: ezcast.asset}]}", "SG020"),
    ("{title: t, chart: pie, metric: count, buckets: [{terms: ezcast.description}]}", "SG020"),
    ("{title: t, chart: pie, metric: count, buckets: [{date_histogram: 1d}]}", "SG021"),
    ("{title: t, chart: bar, metric: count, buckets: [{date_histogram: 2d}]}", "SG021"),
    ("{title: t, chart: radar, metric: count}", "SG021"),
])
def test_panel_problems_are_schema_errors(panel, code):
    text = BASE + f"      extra: {panel}\n"
    with pytest.raises(SchemaError) as info:
        parse_schema(text, "ezcast.yaml")
    assert [d.code for d in info.value.diagnostics] == [code]
    assert info.value.diagnostics[0].line == text.count("\n")


def _versions(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_every_object_imports_into_every_claimed_kibana(objects):
    """Kibana refuses an object whose migration version it does not know: none is newer than the
    oldest Kibana claimed (8.9), and every Kibana after it migrates them forward on import."""
    for obj in objects:
        assert _versions(obj["typeMigrationVersion"]) <= _versions(kibana.MIN_KIBANA), obj["type"]
        assert _versions(obj["coreMigrationVersion"]) <= _versions(kibana.MIN_KIBANA), obj["type"]


@pytest.mark.parametrize("family", sorted(p.parent.name for p in (ROOT / "samples").glob("*/schema.yaml")))
def test_no_two_dashboard_panels_overlap(family):
    model = stackgen.load_schema(ROOT / "samples" / family / "schema.yaml")
    for obj in kibana.saved_objects(model):
        if obj["type"] != "dashboard":
            continue
        boxes = [p["gridData"] for p in json.loads(obj["attributes"]["panelsJSON"])]
        cells = [(x, y) for b in boxes for x in range(b["x"], b["x"] + b["w"]) for y in range(b["y"], b["y"] + b["h"])]
        assert len(cells) == len(set(cells)), family
        assert all(b["x"] + b["w"] <= kibana.GRID_COLUMNS for b in boxes)
