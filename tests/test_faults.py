"""Faults: a node killed mid-replay in a three-node cluster, a node restarted mid-replay.

Every document is indexed with its record's position as `_id`, so a bulk item sent again
overwrites and never duplicates. The assertions are exact: the count is the number of records,
and every id 0..N-1 holds exactly the document the pipeline makes of its record. The retry rules
themselves (which failures are sent again, the budget, several node URLs) are checked first
against a scripted transport, then the real faults on real nodes (marked `engine`).
"""
from __future__ import annotations

import collections
import http.server
import json
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import elastic_transport
import pytest

from stackgen.engines import embedded
from stackgen.engines.elasticsearch import ElasticsearchEngine, connect
from stackgen.engines.framing import Record
from stackgen.errors import EngineError, EnvironmentProblem

RECORDS = 20_000
PIPELINE = {"description": "stackgen fault test", "processors": [
    {"dissect": {"field": "message", "pattern": "%{seq} %{host} %{word}"}},
    {"convert": {"field": "seq", "type": "long"}},
    {"set": {"field": "replayed", "value": True}},
]}


def text(i: int) -> str:
    return f"{i} host{i % 7} w{i * 7919 % 100_003}"


def generated(count: int) -> list[Record]:
    return [Record(text(i), "generated.log", i + 1) for i in range(count)]


def expected(i: int, extra: dict) -> dict:
    return {"message": text(i), "seq": i, "host": f"host{i % 7}", "word": f"w{i * 7919 % 100_003}",
            "replayed": True, **extra}


def check_every_document(client, index: str, count: int, extra: dict) -> None:
    client.request("POST", f"/{index}/_refresh")
    assert client.request("POST", f"/{index}/_count", {"query": {"match_all": {}}})["count"] == count
    wrong = []
    for start in range(0, count, 2000):
        ids = [str(i) for i in range(start, min(count, start + 2000))]
        for doc in client.request("POST", f"/{index}/_mget", {"ids": ids})["docs"]:
            i = int(doc["_id"])
            if not doc.get("found") or doc["_source"] != expected(i, extra):
                wrong.append((i, doc.get("_source")))
    assert wrong == [], f"{len(wrong)} documents missing or wrong, first: {wrong[:3]}"


def set_up(client, index: str, shards: int, replicas: int) -> None:
    client.request("PUT", f"/_ingest/pipeline/{index}", PIPELINE)
    client.request("PUT", f"/{index}", {"settings": {"number_of_shards": shards, "number_of_replicas": replicas},
                                        "mappings": {"properties": {"seq": {"type": "long"},
                                                                    "host": {"type": "keyword"},
                                                                    "word": {"type": "keyword"}}}})


def during_bulk(client, faults: dict) -> dict:
    """Run faults[n] in a thread shortly after bulk request n (1-based, retries included) was sent."""
    sent = {"bulks": 0, "done": [], "threads": []}
    request = client.request

    def counting(method, path, *args, **kwargs):
        if path.startswith("/_bulk"):
            sent["bulks"] += 1
            action = faults.get(sent["bulks"])
            if action is not None:
                def run(at=sent["bulks"]):
                    time.sleep(0.05)  # the request is on the wire: the fault hits it in flight
                    action()
                    sent["done"].append(at)
                thread = threading.Thread(target=run, daemon=True)
                sent["threads"].append(thread)
                thread.start()
        return request(method, path, *args, **kwargs)

    client.request = counting
    return sent


def finish(sent: dict, seconds: float = 120) -> None:
    for thread in sent["threads"]:
        thread.join(seconds)


def report(name: str, numbers: dict) -> None:
    print(f"\n{name}: " + json.dumps(numbers, sort_keys=True))


# ---------------------------------------------------------------------------------------------
# The retry rules, against a scripted transport


class ScriptedCluster:
    """`perform_request` of a cluster whose answers are scripted per document id and per call."""

    def __init__(self, item_failures: dict[int, list[tuple[int, str]]], connection_errors_at=(), statuses=()):
        self.item_failures = {i: list(f) for i, f in item_failures.items()}
        self.connection_errors_at = set(connection_errors_at)  # call numbers (1-based) that fail to connect
        self.statuses = list(statuses)  # whole-request statuses to answer first (429, 503, ...)
        self.sent: collections.Counter = collections.Counter()
        self.calls = 0

    def __call__(self, method, path, body=None, headers=None):
        self.calls += 1
        if self.calls in self.connection_errors_at:
            raise elastic_transport.ConnectionError("Connection refused")
        if self.statuses:
            status = self.statuses.pop(0)
            return SimpleNamespace(meta=SimpleNamespace(status=status), body={"error": {"type": "busy"}})
        if not path.startswith("/_bulk"):
            return SimpleNamespace(meta=SimpleNamespace(status=200), body={"acknowledged": True})
        items = []
        for action in body.splitlines()[::2]:
            i = int(json.loads(action)["index"]["_id"])
            self.sent[i] += 1
            failures = self.item_failures.get(i)
            if failures:
                status, kind = failures.pop(0)
                items.append({"index": {"_id": str(i), "status": status,
                                        "error": {"type": kind, "reason": f"scripted {kind}"}}})
            else:
                items.append({"index": {"_id": str(i), "status": 201, "result": "created"}})
        return SimpleNamespace(meta=SimpleNamespace(status=200), body={"errors": True, "items": items})


def scripted(cluster: ScriptedCluster, **budget):
    client = connect("http://127.0.0.1:9")
    client.BACKOFF = client.BACKOFF_CAP = 0.001
    for name, value in budget.items():
        setattr(client, name, value)
    client.transport.perform_request = cluster
    return client


def test_transient_item_failures_are_sent_again_and_others_are_rejected(ezcast):
    cluster = ScriptedCluster({
        3: [(429, "es_rejected_execution_exception")] * 2,
        5: [(503, "unavailable_shards_exception")],
        6: [(500, "node_disconnected_exception")],  # a 500, but a node gone: transient
        7: [(400, "mapper_parsing_exception")],  # the record's own failure: never sent again
    }, connection_errors_at={2})  # the first resend meets a dead node: the whole request is sent again
    client = scripted(cluster)
    engine = ElasticsearchEngine(ezcast, client)
    with pytest.raises(EngineError) as info:
        engine._bulk("i", "p", generated(10))
    assert "1 of 10 records were rejected" in str(info.value)
    assert "generated.log:8: mapper_parsing_exception" in str(info.value)
    assert cluster.sent == {0: 1, 1: 1, 2: 1, 3: 3, 4: 1, 5: 2, 6: 2, 7: 1, 8: 1, 9: 1}
    assert client.stats["items_retried"] == 4 and client.stats["requests_retried"] == 1
    assert client.stats["reasons"]["item es_rejected_execution_exception"] == 2


def test_retries_are_bounded_in_count_and_in_time(ezcast):
    always = ScriptedCluster({2: [(429, "es_rejected_execution_exception")] * 1000})
    engine = ElasticsearchEngine(ezcast, scripted(always, retries=3))
    with pytest.raises(EngineError, match=r"generated.log:3: .*still failing after 3 retries"):
        engine._bulk("i", "p", generated(5))
    assert always.sent[2] == 4 and always.sent[1] == 1
    slow = ScriptedCluster({2: [(503, "unavailable_shards_exception")] * 10_000})
    client = scripted(slow, retries=10_000, retry_seconds=0.5)
    client.BACKOFF = client.BACKOFF_CAP = 0.05
    started = time.monotonic()
    with pytest.raises(EngineError, match="still failing after"):
        ElasticsearchEngine(ezcast, client)._bulk("i", "p", generated(5))
    assert 0.4 < time.monotonic() - started < 2
    busy = ScriptedCluster({}, statuses=[503, 429, 503])  # whole requests: 503/429 are sent again
    client = scripted(busy, retries=5)
    assert client.request("PUT", "/x", {}) == {"acknowledged": True}
    assert client.stats["requests_retried"] == 3
    refusing = ScriptedCluster({}, statuses=[503] * 10)
    with pytest.raises(EngineError, match=r"\(503\)"):
        scripted(refusing, retries=2).request("PUT", "/x", {})
    assert refusing.calls == 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_cluster_that_never_answered_is_not_waited_for():
    client = connect(f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(EnvironmentProblem, match="cannot reach Elasticsearch"):
        client.request("GET", "/")
    assert time.monotonic() - started < 2 and client.stats["requests_retried"] == 1  # each node tried once


def test_requests_go_to_the_nodes_that_answer():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"version": {"number": "7.10.2"}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        live = f"http://127.0.0.1:{server.server_address[1]}"
        dead = f"http://127.0.0.1:{free_port()}"
        client = connect([dead, live])
        assert client.urls == [dead, live]
        for _ in range(10):
            assert client.request("GET", "/")["version"]["number"] == "7.10.2"
        assert client.stats["requests_retried"] >= 1  # the dead node was tried, and the request went on
        client.close()
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------
# Real faults on real nodes


@pytest.mark.engine
def test_a_node_killed_mid_replay_loses_and_duplicates_nothing(ezcast):
    started = time.monotonic()
    cluster = embedded.EmbeddedCluster(nodes=3, heap="384m")
    try:
        urls = cluster.start()
        up = time.monotonic() - started
        health = cluster.health()
        assert health["number_of_nodes"] == 3 and health["status"] == "green"
        client = connect(",".join(urls))
        roles = client.request("GET", "/_nodes/_all/roles")  # 7.10: every node master, data and ingest
        assert all({"master", "data", "ingest"} <= set(n["roles"]) for n in roles["nodes"].values())
        index = "stackgen-fault-kill"
        set_up(client, index, shards=6, replicas=1)
        cluster.wait_for(3, "green", seconds=60)
        engine = ElasticsearchEngine(ezcast, client)
        records = generated(RECORDS)
        victim = cluster.master()  # the elected master: the hardest node to lose
        killed = during_bulk(client, {8: lambda: cluster.kill(victim)})
        replay_started = time.monotonic()
        engine._bulk(index, index, records)
        replay = time.monotonic() - replay_started
        finish(killed)
        assert killed["done"] == [8] and killed["bulks"] > 8, "the kill did not come in the middle of the replay"
        assert cluster.nodes[victim].process is None
        assert cluster.wait_for(2, "yellow", seconds=60)["number_of_nodes"] == 2
        check_every_document(client, index, RECORDS, engine.extra)
        stats = client.stats
        assert stats["requests_retried"] >= 1  # round-robin sends to the dead node: connection errors, retried
        report("kill", {"records": RECORDS, "nodes": 3, "killed": cluster.nodes[victim].node_name + " (master)",
                        "cluster_start_s": round(up, 1), "replay_s": round(replay, 1),
                        "requests_retried": stats["requests_retried"], "items_retried": stats["items_retried"],
                        "reasons": dict(stats["reasons"]), "final_count": RECORDS,
                        "total_s": round(time.monotonic() - started, 1)})
        client.close()
    finally:
        bases = [n.base for n in cluster.nodes]
        cluster.stop()
    assert all(n.process is None for n in cluster.nodes)
    assert not any(base is not None and Path(base).exists() for base in bases)


@pytest.mark.engine
def test_a_node_restarted_mid_replay_loses_and_duplicates_nothing(ezcast):
    started = time.monotonic()
    node = embedded.EmbeddedNode(heap="384m")
    try:
        url = node.start()
        port, base = node.port, node.base
        client = connect(url)
        index = "stackgen-fault-restart"
        set_up(client, index, shards=3, replicas=0)
        engine = ElasticsearchEngine(ezcast, client)
        records = generated(RECORDS)
        restarts = []

        def restart(hard: bool) -> None:
            began = time.monotonic()
            node.restart(hard=hard)
            restarts.append({"kind": "SIGKILL" if hard else "SIGTERM", "down_s": round(time.monotonic() - began, 1)})

        # a clean stop during bulk 5, a SIGKILL during bulk 14; each time the same data and port again
        faults = during_bulk(client, {5: lambda: restart(hard=False), 14: lambda: restart(hard=True)})
        replay_started = time.monotonic()
        engine._bulk(index, index, records)
        replay = time.monotonic() - replay_started
        finish(faults)
        assert faults["done"] == [5, 14] and faults["bulks"] > 14
        assert [r["kind"] for r in restarts] == ["SIGTERM", "SIGKILL"]
        assert node.port == port and node.base == base and node.url == url
        check_every_document(client, index, RECORDS, engine.extra)
        stats = client.stats
        assert stats["requests_retried"] >= 2  # the node was away twice: connection refused, retried
        report("restart", {"records": RECORDS, "restarts": restarts, "replay_s": round(replay, 1),
                           "requests_retried": stats["requests_retried"], "items_retried": stats["items_retried"],
                           "reasons": dict(stats["reasons"]), "final_count": RECORDS,
                           "total_s": round(time.monotonic() - started, 1)})
        client.close()
    finally:
        base = node.base
        node.stop()
    assert node.process is None and not (base and Path(base).exists())
