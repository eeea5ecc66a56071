"""Local engine throughput per family, on one core, measured so that it holds on a noisy machine.

For every shipped family the sample records are repeated to about 20,000 and, in alternating
rounds, framed only (the baseline: reading the bytes into records, which every engine pays) and
framed then parsed by the local engine. Each round gives one ratio parse/frame; the median ratio
and its spread are printed with the median records/s.

    python benchmarks/local_engine.py [--rounds 5] [--records 20000]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import stackgen
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine

ROOT = Path(__file__).resolve().parent.parent


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(family: Path, rounds: int, records: int) -> dict:
    model = stackgen.load_schema(family / "schema.yaml")
    data = b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in sorted(family.glob("*.log")))
    once = len(frame(model, data))
    data *= max(1, records // once)
    engine = LocalEngine(model)
    count = len(frame(model, data))
    engine.documents(frame(model, data[:100_000]))  # compile the program, warm the regex caches
    frame_rates, parse_rates, ratios = [], [], []
    for _ in range(rounds):
        framing = _timed(lambda: frame(model, data))
        parsing = _timed(lambda: engine.documents(frame(model, data)))
        frame_rates.append(count / framing)
        parse_rates.append(count / parsing)
        ratios.append(framing / parsing)
    return {"family": family.name, "records": count, "local": statistics.median(parse_rates),
            "frame": statistics.median(frame_rates), "ratio": statistics.median(ratios),
            "spread": (min(ratios), max(ratios))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    print(f"local engine, one core, {args.rounds} alternating rounds, median (spread of the ratio)")
    results = [measure(f.parent, args.rounds, args.records) for f in sorted((ROOT / "samples").glob("*/schema.yaml"))]
    for r in results:
        print(f"{r['family']:16} {r['records']:6} records  local {r['local']:8,.0f} rec/s  "
              f"framing only {r['frame']:9,.0f} rec/s  local/framing {r['ratio']:.3f} "
              f"({r['spread'][0]:.3f}-{r['spread'][1]:.3f})")
    slowest = min(results, key=lambda r: r["local"])
    print(f"local_records_per_s={slowest['local']:.0f} (slowest family: {slowest['family']})")


if __name__ == "__main__":
    main()
