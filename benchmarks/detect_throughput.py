"""`stackgen detect` throughput on a long replay: documents/s of the rules, against parsing alone.

Generates N records (default 1,000,000) of two families whose rules differ, seeded:
linux-auth (sshd logins from a pool of addresses, bursts of failures: threshold and sequence
rules) and EZCast (logins and chat messages: threshold and new-value rules). Measures, in the same
run and in alternating rounds:
- parse: the local engine's documents alone (the baseline);
- detect: parse, then every rule (`detect.alerts`, what `stackgen detect` runs);
- rules: the automata alone over the prepared events (documents/s of detection proper);
and, on the embedded Elasticsearch node for `--es-records` of them, the rules as aggregations
(indexing excluded). Prints medians, the spread, and ratios against parsing alone.

    python benchmarks/detect_throughput.py [--records 1000000] [--rounds 3] [--es-records 100000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import stackgen  # noqa: E402
from stackgen import detect  # noqa: E402
from stackgen.detect import automata, elastic  # noqa: E402
from stackgen.engines.framing import frame  # noqa: E402
from stackgen.engines.local import LocalEngine  # noqa: E402


def ssh_log(count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    t = dt.datetime(2024, 1, 1)
    pool = [f"198.51.100.{i}" for i in range(1, 200)] + [f"2001:db8::{i:x}" for i in range(1, 50)]
    lines = []
    while len(lines) < count:
        t += dt.timedelta(seconds=rng.choice((0, 1, 2, 5, 10, 30)))
        ip = rng.choice(pool)
        burst = rng.randint(5, 9) if rng.random() < 0.01 else 1
        for _ in range(burst):
            event = "Accepted" if rng.random() < 0.3 else "Failed"
            lines.append(f"{t:%b} {t.day:2d} {t:%H:%M:%S} web01 sshd[{rng.randint(100, 65000)}]: {event} password "
                         f"for {rng.choice(('root', 'admin', 'bob', 'alice'))} from {ip} port {rng.randint(1024, 65535)} ssh2\n")
            t += dt.timedelta(seconds=rng.choice((1, 3, 7)))
    return "".join(lines[:count]).encode()


def ezcast_log(count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    t = dt.datetime(2024, 1, 8, 8, 0, 0)
    users = [f"user{i:04d}" for i in range(2000)]
    lines = []
    for _ in range(count):
        t += dt.timedelta(seconds=rng.choice((0, 1, 2, 4)))
        user = rng.choice(users)
        ip = f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        head = f"{t:%Y-%m-%d-%H:%M:%S} | s{user} | {ip} | {user} | "
        if rng.random() < 0.2:
            lines.append(head + "1 | login | Firefox | 115.0 | Linux | Mozilla/5.0\n")
        else:
            lines.append(head + f"3 | chat_message_add | ALBUM-{rng.randint(0, 20)}-pub | 2024_01_08_08h00 | "
                         f"{rng.randint(0, 5000)} | hello {rng.randint(0, 99)}\n")
    return "".join(lines).encode()


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def bench(name: str, data: bytes, rounds: int, es_records: int, es_client) -> None:
    model = stackgen.load_schema(ROOT / "samples" / name / "schema.yaml")
    records = frame(model, data, f"{name}.log")
    engine = LocalEngine(model, "2024-06-15T12:00:00Z")
    n = len(records)
    rates: dict[str, list[float]] = {"parse": [], "detect": [], "rules": []}
    found = []
    for _ in range(rounds):
        started = time.perf_counter()
        for record in records:
            engine.run(record.text, record.flags)
        rates["parse"].append(n / (time.perf_counter() - started))
        started = time.perf_counter()
        found = detect.alerts(model, records, engine)
        rates["detect"].append(n / (time.perf_counter() - started))
        events = detect.events(model, ((r, engine.run(r.text, r.flags)) for r in records[:200_000]))
        started = time.perf_counter()
        automata.run(model, events)
        rates["rules"].append(len(events) / (time.perf_counter() - started))
    parse = statistics.median(rates["parse"])
    print(f"{name}: {n:,} records, {len(found):,} alerts "
          f"({', '.join(f'{r}: {sum(a.rule == r for a in found)}' for r in sorted({a.rule for a in found}))})")
    for key, label in (("parse", "parse alone (baseline)"), ("detect", "parse + every rule (stackgen detect)"),
                       ("rules", "the automata alone")):
        print(f"  {label:40s} {_median(rates[key])} documents/s   x{statistics.median(rates[key]) / parse:.2f}")
    if es_client is None:
        return
    from stackgen.engines.elasticsearch import ElasticsearchEngine

    es = ElasticsearchEngine(model, es_client, "2024-06-15T12:00:00Z")
    es.offsets = True
    subset = records[:es_records]
    local = detect.alerts(model, subset, engine)
    with es.loaded(subset) as (index, _):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            remote = elastic.run(model, es_client, index)
            times.append(len(subset) / (time.perf_counter() - started))
    same = "same alerts as local" if remote == local else f"DIFFERENT: {len(remote)} vs {len(local)} local"
    print(f"  {'Elasticsearch aggregations':40s} {_median(times)} documents/s on {len(subset):,} ({same})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--es-records", type=int, default=100_000, help="0: no Elasticsearch")
    args = parser.parse_args()
    client, node = None, None
    if args.es_records:
        from stackgen.engines import embedded
        from stackgen.engines.elasticsearch import connect

        running = embedded.status()
        if running is None:
            node = embedded.EmbeddedNode(heap="1g")
        client = connect(running["url"] if running else node.start())
    try:
        bench("linux-auth", ssh_log(args.records, 1), args.rounds, args.es_records, client)
        bench("ezcast", ezcast_log(args.records, 2), args.rounds, args.es_records, client)
    finally:
        if node is not None:
            node.stop()


if __name__ == "__main__":
    main()
