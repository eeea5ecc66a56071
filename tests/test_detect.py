"""Detection rules: the schema section, the automata's semantics, `stackgen detect`, and the same
alerts from Elasticsearch's aggregations as from the local automata (shipped rules and random logs)."""
from __future__ import annotations

import datetime as dt
import json
import random
import shutil

import pytest

import stackgen
from stackgen import detect
from stackgen.cli import main
from stackgen.detect.automata import bursts
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.errors import SchemaError
from stackgen.verify.cases import discover

from conftest import ROOT

FAMILIES = ("oracle-listener", "linux-auth", "ezcast")


def _alerts(schema: str, *logs: str, engine: str = "local") -> list[dict]:
    model = stackgen.load_schema(ROOT / "samples" / schema / "schema.yaml")
    records = [r for log in logs for r in frame(model, (ROOT / "samples" / schema / log).read_bytes(), log)]
    return [detect.to_json(a) for a in detect.alerts(model, records, LocalEngine(model, model.now))]


# -- semantics ------------------------------------------------------------------------------------
def test_bursts_merge_overlapping_windows_and_keep_edges():
    minute = 60_000
    assert bursts([0, 1, 2], 3, 5) == [(0, 2, 3)]
    assert bursts([0, 1, 7], 3, 5) == []  # one short within any window
    assert bursts([0, 5, 10], 3, 10) == [(0, 10, 3)]  # the window's end is inside
    assert bursts([0, 5, 11], 3, 10) == []
    # two bursts of the same group, far apart; the second's windows chain into one
    times = [0, minute, 2 * minute, 60 * minute, 61 * minute, 62 * minute, 63 * minute]
    assert bursts(times, 3, 5 * minute) == [(0, 2 * minute, 3), (60 * minute, 63 * minute, 4)]
    # count 1: every document, those within the window of the previous merged
    assert bursts([0, 40, 100, 500], 1, 60) == [(0, 100, 3), (500, 500, 1)]


def test_shipped_rules_fire_on_their_samples_and_not_below_outside_or_out_of_order():
    guessing = _alerts("oracle-listener", "detect-guessing.log")
    assert [(a["key"], a["count"], a["start"], a["end"]) for a in guessing] == [
        ({"user.name": "scott"}, 5, "2024-03-03T09:00:05.000Z", "2024-03-03T09:08:59.000Z"),
        ({"user.name": "scott"}, 3, "2024-03-03T11:00:00.000Z", "2024-03-03T11:05:00.000Z"),  # edge: 5 min
    ]  # appadm (2 failures) and deploy (3 over 12 minutes) raise nothing
    redirection = _alerts("oracle-listener", "detect-redirection.log")
    assert [(a["key"]["user.name"], a["count"]) for a in redirection] == [("oracle", 1), (None, 1), ("grid", 2)]
    ssh = _alerts("linux-auth", "detect-brute-force.log")
    assert [(a["rule"], a["key"]["source.ip"], a["count"]) for a in ssh] == [
        ("ssh_brute_force", "203.0.113.50", 6), ("ssh_brute_force_success", "203.0.113.50", 4),
        ("ssh_brute_force", "203.0.113.50", 5), ("ssh_brute_force_success", "203.0.113.50", 4),
    ]  # not 198.51.100.9 (4 failures; accepted after 15 min), 192.0.2.77 (spread), 10.9.9.9 (out of order)
    chat = _alerts("ezcast", "detect-chat-flood.log")
    assert [(a["key"], a["count"]) for a in chat] == [({"user.name": "spammer", "ezcast.album": "PHYS-F-101-pub"}, 12)]
    new = _alerts("ezcast", "detect-new-address.log")
    assert [(a["key"]["user.name"], a["key"]["source.ip"]) for a in new] == [("alice", "203.0.113.99"),
                                                                           ("carol", "192.0.2.40")]


def test_a_sequence_match_expires_and_a_later_one_takes_its_place():
    model = stackgen.load_schema(ROOT / "samples" / "linux-auth" / "schema.yaml")
    start = dt.datetime(2024, 3, 1, 0, 0, 0)
    lines = []
    for seconds, event in ((0, "Failed"), (60, "Failed"), (120, "Failed"), (601, "Accepted"),  # 10 min 1 s
                           (700, "Failed"), (710, "Failed"), (720, "Failed"), (730, "Accepted")):
        t = start + dt.timedelta(seconds=seconds)
        lines.append(f"Mar  1 {t:%H:%M:%S} h sshd[1]: {event} password for root from 192.0.2.1 port 22 ssh2\n")
    # failures every minute for 6 minutes, success at 11: the last three failures and the success fit
    for seconds, event in [*((3600 + 60 * i, "Failed") for i in range(6)), (3600 + 660, "Accepted")]:
        t = start + dt.timedelta(seconds=seconds)
        lines.append(f"Mar  1 {t:%H:%M:%S} h sshd[1]: {event} password for root from 192.0.2.1 port 22 ssh2\n")
    records = frame(model, "".join(lines).encode(), "x.log")
    got = [detect.to_json(a) for a in detect.alerts(model, records, LocalEngine(model, model.now))]
    assert [(a["rule"], a["start"][11:19], a["end"][11:19], a["count"]) for a in got] == [
        ("ssh_brute_force_success", "00:11:40", "00:12:10", 4),
        ("ssh_brute_force_success", "01:03:00", "01:11:00", 4)]  # one failure a minute: no brute force


def test_filter_values_are_kept_as_the_engines_compare_them(tmp_path):
    schema = (ROOT / "samples" / "linux-auth" / "schema.yaml").read_text()
    schema = schema.replace("{system.auth.ssh.event: Failed}\n      group_by: source.ip\n      count: 5",
                            "{source.port: '052340', source.ip: ['2001:DB8:BAD:1::66', '::ffff:203.0.113.5']}\n"
                            "      group_by: source.ip\n      count: 5")
    (tmp_path / "schema.yaml").write_text(schema)
    model = stackgen.load_schema(tmp_path / "schema.yaml")
    assert model.detections[0].rule.filter == (("source.port", ("52340",)),
                                                ("source.ip", ("2001:db8:bad:1::66", "203.0.113.5")))


# -- the schema section ---------------------------------------------------------------------------
BAD_RULES = """
detections:
  a:
    threshold: {filter: {no.such.field: x}, count: 3, within: 5m}
  b:
    threshold: {filter: {message: x}, count: 3, within: 5m}
  c:
    threshold: {count: 3, within: 5 minutes}
  d:
    sequence: {within: 1m, steps: [{filter: {process.name: sshd}}]}
    threshold: {count: 1, within: 1m}
  e:
    classify: {model: missing.json, alert: [attack]}
  f:
    severity: urgent
    new_value: {field: user.name, history: 1d}
  g:
    anomaly: {function: rare, bucket_span: 1h}
  h:
    new_value: {field: user.name, group_by: [process.name, host.hostname, source.ip], history: 1d}
  i:
    new_value: {field: user.name, history: 5m}
  j:
    sequence: {within: 1m, steps: [{filter: {process.name: sshd}, count: 101}, {filter: {process.name: sshd}}]}
  k:
    threshold: {filter: {source.port: '22x'}, count: 1, within: 1m}
  l:
    threshold: {filter: {source.ip: 'not-an-ip'}, count: 1, within: 1m}
  m:
    threshold: {filter: {user.name: []}, count: 1, within: 1m}
  n:
    sequence: {within: 1m, steps: [{filter: {}}, {filter: {process.name: sshd}}]}
  o:
    threshold: {group_by: [], count: 1, within: 1m}
  p:
    threshold: {group_by: [user.name, user.name], count: 1, within: 1m}
  q:
    anomaly: {function: mean, field: user.name, bucket_span: 1h}
  r:
    anomaly: {function: rare, by: user.name, over: user.name, bucket_span: 1h}
  s:
    threshold: {count: 1, within: 999999999999d}
"""


def test_every_bad_rule_is_reported_with_its_place_and_code(tmp_path):
    schema = (ROOT / "samples" / "linux-auth" / "schema.yaml").read_text()
    schema = schema[:schema.index("\ndetections:")] + BAD_RULES
    path = tmp_path / "schema.yaml"
    path.write_text(schema)
    with pytest.raises(SchemaError) as info:
        stackgen.load_schema(path)
    found = {(p.path, p.code) for p in info.value.diagnostics}
    assert {("detections.a.threshold.filter.no.such.field", "SG019"), ("detections.b.threshold.filter.message", "SG020"),
            ("detections.c.threshold.within", "SG025"), ("detections.d", "SG025"), ("detections.e.classify.model", "SG026"),
            ("detections.f.severity", "SG025"), ("detections.g.anomaly", "SG025"),
            ("detections.h.new_value.group_by", "SG025"), ("detections.i.new_value.history", "SG025"),
            ("detections.j.sequence.steps[0].count", "SG025"), ("detections.k.threshold.filter.source.port", "SG025"),
            ("detections.l.threshold.filter.source.ip", "SG025"), ("detections.m.threshold.filter.user.name", "SG025"),
            ("detections.n.sequence.steps[0].filter", "SG025"), ("detections.o.threshold.group_by", "SG025"),
            ("detections.p.threshold.group_by", "SG025"), ("detections.q.anomaly.field", "SG020"),
            ("detections.r.anomaly", "SG025"), ("detections.s.threshold.within", "SG025")} <= found
    lines = schema.splitlines()
    for problem in info.value.diagnostics:
        assert problem.file == str(path) and problem.line <= len(lines) and problem.col >= 1
    assert main(["validate", str(path)]) == 2
    assert main(["detect", "--schema", str(path), str(ROOT / "samples" / "linux-auth" / "ssh.log")]) == 2


def test_a_classifier_rule_alerts_on_each_line_of_an_alert_category(tmp_path, capsys):
    from stackgen.classify import train

    rows = [("attack", "Failed password for root from"), ("attack", "Invalid user admin from"),
            ("normal", "Accepted publickey for alice from"), ("normal", "session opened for user alice")]
    (tmp_path / "words.json").write_text(train(rows).to_json())
    schema = (ROOT / "samples" / "linux-auth" / "schema.yaml").read_text()
    schema = schema.replace("\ndetections:\n", "\ndetections:\n  suspicious_words:\n"
                            "    classify: {model: words.json, alert: [attack]}\n")
    (tmp_path / "schema.yaml").write_text(schema)
    log = ROOT / "samples" / "linux-auth" / "ssh.log"
    assert main(["detect", "--schema", str(tmp_path / "schema.yaml"), str(log)]) == 0
    alerts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    flagged = [a for a in alerts if a["rule"] == "suspicious_words"]
    classifier = train(rows)
    texts = log.read_text().splitlines()
    attacks = [t for t in texts if classifier.classify(t)[0] == "attack"]
    assert len(flagged) == len(attacks) and 0 < len(attacks) < len(texts)
    assert all(classifier.classify(t)[0] == "normal" for t in texts if "Accepted publickey" in t)
    assert all(a["key"] == {"category": "attack"} and a["count"] == 1 for a in flagged)


# -- command line and verify ----------------------------------------------------------------------
def test_detect_prints_alerts_in_time_order_and_verify_holds_them_against_goldens(tmp_path, capsys):
    samples = ROOT / "samples" / "oracle-listener"
    assert main(["detect", "--schema", str(samples / "schema.yaml"), str(samples / "detect-guessing.log"),
                 str(samples / "detect-redirection.log")]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["start"] for a in out] == sorted(a["start"] for a in out) and len(out) == 5
    assert set(out[0]) == {"rule", "key", "start", "end", "count"}
    copy = tmp_path / "oracle"
    shutil.copytree(samples, copy)
    golden = copy / "detect-guessing.log-expected-alerts.json"
    golden.write_text(golden.read_text().replace('"count": 5', '"count": 4'))
    assert main(["verify", str(copy)]) == 1
    report = capsys.readouterr().out
    assert "FAIL detect-guessing.log alerts" in report and '"count": 4' in report


# -- the real engine --------------------------------------------------------------------------------
@pytest.mark.engine
@pytest.mark.parametrize("family", FAMILIES)
def test_shipped_rules_give_the_golden_alerts_in_elasticsearch_too(family, es_url):
    model = stackgen.load_schema(ROOT / "samples" / family / "schema.yaml")
    engine = ElasticsearchEngine(model, connect(es_url), model.now)
    checked = 0
    for case in discover(ROOT / "samples" / family):
        records = frame(model, case.log.read_bytes(), case.name)
        want = case.expected_alerts()
        assert want is not None, f"{case.name}: no alerts golden"
        local = [detect.to_json(a) for a in detect.alerts(model, records, LocalEngine(model, model.now))]
        remote = [detect.to_json(a) for a in detect.alerts(model, records, engine)]
        assert local == want, case.name
        assert remote == want, case.name
        checked += len(want)
    assert checked >= 3


def _random_ssh(seed: int) -> bytes:
    rng = random.Random(seed)
    t = dt.datetime(2024, 5, 1)
    lines = []
    for _ in range(400):
        t += dt.timedelta(seconds=rng.choice((0, 1, 5, 10, 20, 40, 300)))
        ip = rng.choice(("192.0.2.1", "192.0.2.2", "2001:db8::1", "198.51.100.9"))
        event = "Accepted" if rng.random() < 0.2 else "Failed"
        lines.append(f"{t:%b} {t.day:2d} {t:%H:%M:%S} h sshd[{rng.randint(1, 9999)}]: "
                     f"{event} password for {rng.choice(('root', 'bob'))} from {ip} port 22 ssh2\n")
    return "".join(lines).encode()


@pytest.mark.engine
def test_random_logs_give_the_same_alerts_from_the_automata_and_from_elasticsearch(es_url):
    model = stackgen.load_schema(ROOT / "samples" / "linux-auth" / "schema.yaml")
    engine = ElasticsearchEngine(model, connect(es_url), model.now)
    for seed in range(3):
        records = frame(model, _random_ssh(seed), f"random-{seed}.log")
        local = detect.alerts(model, records, LocalEngine(model, model.now))
        remote = detect.alerts(model, records, engine)
        assert len(local) > 5 and {a.rule for a in local} == {"ssh_brute_force", "ssh_brute_force_success"}
        assert local == remote, seed
