"""`stackgen parse` streams: peak memory must not grow with the input, the first document comes at once.

Generates EZCast traces (100,000 and 1,000,000 records by default), runs `stackgen parse` on each in
a child process and prints its peak RSS (from the kernel's rusage), the wall time and the time
until the first document reached the pipe, plus the ratio of the two peaks (1.0 = constant memory).

    python benchmarks/parse_memory.py [--sizes 100000 1000000]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "samples" / "ezcast" / "schema.yaml"
ACTIONS = ("view_albums", "logout", "video_play | A | B | 10 | 5 | cam | high | from_button")


def generate(path: Path, count: int) -> None:
    with path.open("w") as handle:
        for i in range(count):
            handle.write(f"2017-11-16-08:{i // 60 % 60:02d}:{i % 60:02d} | s{i % 97} | 10.0.{i % 250}.{i % 200} | "
                         f"u{i % 50} | 1 | {ACTIONS[i % 3]}\n")


def measure(log: Path) -> tuple[float, float, int]:
    """(seconds to the first document, seconds in all, peak RSS in KiB) of one parse."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "stackgen", "parse", "--schema", str(SCHEMA), str(log)],
                             stdout=subprocess.PIPE, cwd=ROOT)
    child.stdout.readline()
    first = time.monotonic() - started
    for _ in child.stdout:
        pass
    child.wait()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return first, time.monotonic() - started, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(args.sizes):
            log = Path(tmp) / f"{size}.log"
            generate(log, size)
            first, total, peak = measure(log)
            peaks.append(peak)
            print(f"{size:>9,} records: first document after {first:.2f} s, all in {total:.1f} s "
                  f"({size / total:,.0f} records/s), peak RSS {peak / 1024:.1f} MiB")
            log.unlink()
    print(f"peak_rss_ratio={peaks[-1] / peaks[0]:.2f} (largest/smallest input; 1.00 = constant memory)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
