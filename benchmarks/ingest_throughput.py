"""Ingest throughput of the generated EZCast pipeline through a real Elasticsearch node.

Replays N generated EZCast records (default 100k) through the embedded node (or --es-url) and
prints documents/s for:
  generated  the ingest pipeline stackgen renders (anchored head grok, one grok per variant
             chosen by the action, typed placement);
  handmade   a pipeline written the way hand-made EZCast configs are: one full-line grok per
             action with .*-style optional groups, every pattern tried in turn, then date and
             convert processors;
  raw        no pipeline at all (the upper bound).
All three run in this process against the same node, with the same index settings and bulk
bodies encoded before timing. The last line is `generated/handmade=X.XX generated/raw=Y.YY`.

The hand-made pipeline runs at about a hundred documents/s, so its rate is measured on the first
--handmade-records records (default 10,000: the same action mix, since records cycle through
every action); rates are documents per second, so the ratios stay comparable.

Usage: python benchmarks/ingest_throughput.py [--records N] [--handmade-records M] [--es-url URL] [--rounds R]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import stackgen  # noqa: E402
from stackgen.engines.elasticsearch import connect  # noqa: E402
from stackgen.engines.framing import frame  # noqa: E402
from stackgen.targets import es_pipeline  # noqa: E402

CHUNK = 2000


def generate_records(model, count: int) -> list[str]:
    """Deterministic EZCast records: the 92 per-action sample lines, re-stamped and cycled."""
    templates = []
    for name in ("test-server.log", "test-client.log"):
        path = ROOT / "samples" / "ezcast" / name
        templates += [r.text for r in frame(model, path.read_bytes())]
    out = []
    for i in range(count):
        text = templates[i % len(templates)]
        seconds = i // 10
        stamp = f"2017-11-{16 + seconds // 86400 % 10:02d}-{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        out.append(stamp + text[19:])
    return out


def handmade_pipeline(model) -> dict:
    """One full-line grok per action, tried in turn; then date and convert."""
    patterns = []
    numeric = set()
    for variant in model.variants:
        parts = ["^%{DATA:time} \\| %{DATA:session} \\| %{DATA:ip} \\| %{DATA:netid} \\| %{DATA:level} \\| "
                 + variant.key]
        for i, name in enumerate(variant.fields):
            last = i == len(variant.fields) - 1
            parts.append(f"(?: \\| %{{{'GREEDYDATA' if last else 'DATA'}:{name}}})?")
            if model.value(name).type.is_numeric:
                numeric.add(name)
        patterns.append("".join(parts) + "$")
    processors = [
        {"grok": {"field": "message", "patterns": patterns}},
        {"date": {"field": "time", "formats": ["yyyy-MM-dd-HH:mm:ss"], "timezone": "Europe/Brussels"}},
    ]
    for name in sorted(numeric):
        processors.append({"convert": {"field": name, "type": "long", "ignore_missing": True,
                                       "on_failure": [{"remove": {"field": name}}]}})
    return {"processors": processors,
            "on_failure": [{"append": {"field": "tags", "value": ["_grokparsefailure"]}}]}


def bulk_bodies(records: list[str], index: str) -> list[str]:
    action = json.dumps({"index": {"_index": index}})
    bodies = []
    for start in range(0, len(records), CHUNK):
        lines = []
        for text in records[start:start + CHUNK]:
            lines.append(action)
            lines.append(json.dumps({"message": text}, ensure_ascii=False))
        bodies.append("\n".join(lines) + "\n")
    return bodies


def run(client, name: str, records: list[str], pipeline: dict | None) -> float:
    name = name.replace(":", "-").replace("+", "-")
    index = f"bench-{name}"
    client.request("DELETE", f"/{index}", allow=(404,))
    client.request("PUT", f"/{index}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0,
                                                    "refresh_interval": "-1"}})
    query = ""
    if pipeline is not None:
        client.request("PUT", f"/_ingest/pipeline/bench-{name}", pipeline)
        query = f"?pipeline=bench-{name}"
    bodies = bulk_bodies(records, index)
    started = time.perf_counter()
    for body in bodies:
        answer = client.request("POST", f"/_bulk{query}", body, ndjson=True)
        if answer.get("errors"):
            raise SystemExit(f"{name}: bulk errors, e.g. {next(i for i in answer['items'] if i['index'].get('error'))}")
    elapsed = time.perf_counter() - started
    client.request("POST", f"/{index}/_refresh")
    count = client.request("GET", f"/{index}/_count")["count"]
    if count != len(records):
        raise SystemExit(f"{name}: {count} documents for {len(records)} records")
    client.request("DELETE", f"/{index}")
    return len(records) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2, help="best of R rounds per pipeline")
    parser.add_argument("--handmade-records", type=int, default=10_000)
    parser.add_argument("--es-url")
    args = parser.parse_args()
    model = stackgen.load_schema(ROOT / "samples" / "ezcast" / "schema.yaml")
    records = generate_records(model, args.records)
    node = None
    url = args.es_url
    if not url:
        from stackgen.engines.embedded import EmbeddedNode

        node = EmbeddedNode(progress=lambda m: print(f"... {m}", file=sys.stderr), heap="1g")
        url = node.start()
    try:
        client = connect(url)
        version = client.request("GET", "/")["version"]["number"]
        print(f"Elasticsearch {version}, {len(records)} records, bulk {CHUNK}, best of {args.rounds}")
        generated = es_pipeline.body(model)
        processors = generated["processors"]
        last_variant = max(i for i, p in enumerate(processors)
                           if next(iter(p.values())).get("tag", "").startswith("variant:"))
        pipelines = {
            "generated": generated,
            "handmade": handmade_pipeline(model),
            "raw": None,
            # what limits the generated pipeline: its stages alone, measured in the same run
            "stage:head": {"processors": processors[:1]},
            "stage:head+variants": {"processors": processors[:last_variant + 1]},
        }
        rates = {}
        for name, pipeline in pipelines.items():
            subset = records[:args.handmade_records] if name == "handmade" else records
            rounds = 1 if name == "handmade" else args.rounds
            rates[name] = max(run(client, name, subset, pipeline) for _ in range(rounds))
            print(f"{name:20} {rates[name]:10.0f} docs/s  ({len(subset)} records)")
    finally:
        if node:
            node.stop()
    per_doc = {name: 1e6 / rate for name, rate in rates.items()}
    print(f"per document: raw {per_doc['raw']:.0f} us; head grok +{per_doc['stage:head'] - per_doc['raw']:.0f} us; "
          f"variant selection and grok +{per_doc['stage:head+variants'] - per_doc['stage:head']:.0f} us; "
          f"typed placement and cleanup +{per_doc['generated'] - per_doc['stage:head+variants']:.0f} us")
    print(f"generated/handmade={rates['generated'] / rates['handmade']:.2f} "
          f"generated/raw={rates['generated'] / rates['raw']:.2f}")


if __name__ == "__main__":
    main()
