"""Local engine throughput per family, on one core and on every core, measured so that it holds on
a noisy machine.

For every shipped family the sample records are repeated to about --records and, in alternating
rounds, framed only (the baseline: reading the bytes into records, which every engine pays), then
framed and parsed by the local engine, twice: as shipped (a date step remembers the last 4,096
timestamps it read: neighbouring records share their second), and with that memory off, so every
timestamp is parsed anew (the worst case: a log whose records all have different times; the
cycled samples repeat theirs). Each round gives one ratio parse/frame; the median ratio with its
spread and the median records/s are printed.

Then `--jobs`: every family's records parsed to JSON lines by one process and by one per core
(`stackgen parse --jobs N`), alternating; the speed-up's median and spread are printed, and the
two outputs must be byte-identical (same documents, same order).

    python benchmarks/local_engine.py [--rounds 5] [--records 20000]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import stackgen
import stackgen.engines.local as local
from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.engines.parallel import json_lines

ROOT = Path(__file__).resolve().parent.parent


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _without_memo(action):
    def run():
        kept, local.DATE_MEMO = local.DATE_MEMO, 0
        try:
            action()
        finally:
            local.DATE_MEMO = kept
    return run


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def measure(family: Path, rounds: int, records: int) -> dict:
    model = stackgen.load_schema(family / "schema.yaml")
    data = b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in sorted(family.glob("*.log")))
    once = len(frame(model, data))
    data *= max(1, records // once)
    engine = LocalEngine(model)
    count = len(frame(model, data))
    engine.documents(frame(model, data[:100_000]))  # compile the program, warm the regex caches
    rates: dict[str, list[float]] = {"frame": [], "local": [], "memo off": []}
    ratios: dict[str, list[float]] = {"local": [], "memo off": []}
    for _ in range(rounds):
        framing = _timed(lambda: frame(model, data))
        parsing = _timed(lambda: engine.documents(frame(model, data)))
        cold = _timed(_without_memo(lambda: engine.documents(frame(model, data))))
        for name, seconds in (("frame", framing), ("local", parsing), ("memo off", cold)):
            rates[name].append(count / seconds)
        ratios["local"].append(framing / parsing)
        ratios["memo off"].append(framing / cold)
    return {"family": family.name, "model": model, "data": data, "records": count,
            "rates": {k: statistics.median(v) for k, v in rates.items()}, "ratios": ratios}


def scaling(results: list[dict], rounds: int) -> tuple[list[float], int]:
    """Speed-ups of json_lines with one process per core over one process, every family's records."""
    jobs = os.cpu_count() or 1
    work = [(r["model"], frame(r["model"], r["data"])) for r in results]

    def run(n: int) -> str:
        return "".join(text for model, records in work for text in json_lines(model, records, n, now="2026-01-01T00:00:00Z"))

    assert run(1) == run(jobs), "--jobs changed the output"
    speedups = []
    for _ in range(rounds):
        one = _timed(lambda: run(1))
        many = _timed(lambda: run(jobs))
        speedups.append(one / many)
    return speedups, jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    print(f"local engine, one core, {args.rounds} alternating rounds, median (spread of the ratio to framing)")
    results = [measure(f.parent, args.rounds, args.records) for f in sorted((ROOT / "samples").glob("*/schema.yaml"))]
    for r in results:
        rates = r["rates"]
        print(f"{r['family']:16} {r['records']:6} records  local {rates['local']:8,.0f} rec/s  "
              f"memo off {rates['memo off']:8,.0f} rec/s  framing only {rates['frame']:9,.0f} rec/s  "
              f"local/framing {_spread(r['ratios']['local'])}  memo off/framing {_spread(r['ratios']['memo off'])}")
    speedups, jobs = scaling(results, args.rounds)
    total = sum(r["records"] for r in results)
    print(f"--jobs {jobs} over --jobs 1 (all families, {total} records to JSON lines, output identical): "
          f"{_spread(speedups)}x on {jobs} cores")
    slowest = min(results, key=lambda r: r["rates"]["local"])
    coldest = min(results, key=lambda r: r["rates"]["memo off"])
    print(f"local_records_per_s={slowest['rates']['local']:.0f} (slowest family: {slowest['family']}; "
          f"memo off: {coldest['rates']['memo off']:.0f}, {coldest['family']})")


if __name__ == "__main__":
    main()
