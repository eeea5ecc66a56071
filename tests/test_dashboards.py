"""Dashboard panels checked on the real engine after replaying the samples."""
from __future__ import annotations

import datetime as dt

import pytest

from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.verify.compare import normalize
from stackgen.verify.panels import evaluate, rows, search_body

from conftest import SAMPLES

pytestmark = pytest.mark.engine


def ms(local: str) -> int:
    """Epoch milliseconds of a Brussels wall-clock time."""
    from zoneinfo import ZoneInfo
    return int(dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Brussels")).timestamp() * 1000)


def records(model, *names):
    return [r for name in names for r in frame(model, (SAMPLES / name).read_bytes(), name)]


def panel_rows(model, client, index):
    out = {}
    for panel in model.dashboards[0].panels:
        answer = client.request("POST", f"/{index}/_search", search_body(model, panel))
        out[panel.id] = rows(panel, answer)
    return out


def test_panel_fields_are_mapped_aggregatable(ezcast, es_url):
    engine = ElasticsearchEngine(ezcast, connect(es_url))
    dashboard = ezcast.dashboards[0]
    used = {f for p in dashboard.panels for f in [*(b.field for b in p.buckets), *(k for k, _ in p.filter),
                                                 *([p.metric.field] if p.metric.field else [])]}
    with engine.loaded(records(ezcast, "test-dashboard.log")) as (index, _):
        caps = engine.client.request("GET", f"/{index}/_field_caps?fields={','.join(sorted(used))}")["fields"]
    assert used <= set(caps)  # (the answer also lists parent objects such as "ezcast")
    for field in used:
        by_type = caps[field]
        (info,) = by_type.values()
        assert info["aggregatable"] is True, field


def test_every_panel_answers_what_the_documents_imply(ezcast, es_url):
    engine = ElasticsearchEngine(ezcast, connect(es_url))
    every = records(ezcast, *(p.name for p in sorted(SAMPLES.glob("*.log"))))
    with engine.loaded(every) as (index, documents):
        real = panel_rows(ezcast, engine.client, index)
    docs = [normalize(ezcast, d) for d in documents]
    for panel in ezcast.dashboards[0].panels:
        assert real[panel.id] == evaluate(ezcast, panel, docs), panel.id
        assert real[panel.id], f"{panel.id} shows nothing on the samples"


def test_panel_values_on_the_dashboard_sample(ezcast, es_url):
    engine = ElasticsearchEngine(ezcast, connect(es_url))
    with engine.loaded(records(ezcast, "test-dashboard.log")) as (index, _):
        real = panel_rows(ezcast, engine.client, index)
    # the top watched asset and its seconds: 30 + 30 + 12 of 2017_11_06_10h15
    assert real["most_watched"] == [("2017_11_06_10h15", 72.0), ("2017_11_13_10h15", 55.0),
                                    ("2017_11_20_10h15", 38.0), ("stream_2017_11_17_12h00", 5.0)]
    # days in Brussels time: 00:30 on the 16th is the 15th in UTC, and counts for the 16th
    assert real["help_views"] == [(ms("2017-11-16T00:00"), 3), (ms("2017-11-17T00:00"), 1),
                                  (ms("2017-11-20T00:00"), 1)]
    assert real["os_browser"] == [("Windows", "Chrome", 2), ("Windows", "Firefox", 1), ("Linux", "Chrome", 1),
                                  ("Linux", "Firefox", 1), ("OS X", "Safari", 1), ("iOS", "Safari", 1)]
    assert real["logins_per_browser_week"] == [
        (ms("2017-11-13T00:00"), "Chrome", 2), (ms("2017-11-13T00:00"), "Firefox", 1),
        (ms("2017-11-13T00:00"), "Safari", 1), (ms("2017-11-20T00:00"), "Chrome", 1),
        (ms("2017-11-20T00:00"), "Firefox", 1), (ms("2017-11-20T00:00"), "Safari", 1)]
    users = dict(real["users_per_hour"])
    assert users[ms("2017-11-13T08:00")] == 3  # alice, bob and carol
    assert users[ms("2017-11-13T09:00")] == 1  # carol's segment at 09:15
    assert users[ms("2017-11-17T12:00")] == 1  # alice; the anonymous login has no user.name
    assert users[ms("2017-11-20T10:00")] == 1  # bob twice
    assert (len(users), sum(users.values())) == (8, 11)


def test_preview_draws_every_panel_from_real_results(es_url, tmp_path, capsys):
    from stackgen.cli import main

    assert main(["preview", str(SAMPLES), "--engine", "elasticsearch", "--es-url", es_url, "-o", str(tmp_path)]) == 0
    pngs = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in pngs] == ["usage-help_views.png", "usage-logins_per_browser_week.png",
                                      "usage-most_watched.png", "usage-os_browser.png", "usage-users_per_hour.png"]
    for png in pngs:
        head = png.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) == (800, 450)
