"""`stackgen infer` against Drain3 on labelled logs: grouping accuracy, parsing accuracy and speed,
per family.

The logs are `benchmarks/loggen.py`'s: about 2,000 records per family (each shipped family and a
Hadoop-style `java-app` nobody wrote a schema for), every record labelled with its message type
and its true template (the whole record, `<*>` for each variable part).

- stackgen: `draft_from_logs` on the log written as one file: what `stackgen infer` does before
  writing files (header found on a sample of the lines, records framed by stackgen's own framing,
  types found on a sample of the records, every record matched in one pass, the draft parsed and
  checked with the local engine on a bounded sample, the engine deciding every record if the
  sample shows a disagreement); the predicted type and template of a record are its
  `--assignments` row. A record stackgen
  frames differently (its first line starts no record of stackgen's, or its record spans more)
  counts as wrong.
- Drain3: `TemplateMiner` with the default configuration (`drain3`) and with the masking of
  Drain3's own example configuration (`drain3+mask`: IPs, hex, numbers...), fed the generator's
  records (so its framing is always right); a record's template is its cluster's final template,
  masks (`<NUM>`...) read as `<*>`. Drain3 sees the whole record, header included, as stackgen does.
- Grouping accuracy (Loghub's GA): a record counts when its predicted group holds exactly the
  records of its true type. Parsing accuracy: a record counts when its predicted template equals
  its true template after the same normalisation of both: blanks (spaces, tabs, newlines) runs
  made one space and trimmed, and `<*>`s separated only by blanks merged into one `<*>` (so a
  timestamp is the same variable part written as one or three `<*>`). Nothing else is normalised.
- Speed: records/s of each on the same records, rounds alternating between the tools, median
  (and the spread of the ratio over rounds). Timed: the whole of `draft_from_logs` from the
  log's bytes (for stackgen) and `add_log_message` on every record (for Drain3, whose records
  come framed); not timed: generating the records, writing files, `verify --generate`. On the
  2,000-record sets stackgen's fixed costs (the header search, two schema parses, the engine's
  sample) dominate, so the ratio is also measured on `--large` records (default 50,000) of the
  same generators.

    pip install drain3 && python benchmarks/infer_accuracy.py [--rounds 3] [--families a,b] [--large N]
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from loggen import FAMILIES, Record, generate  # noqa: E402

from stackgen.infer import draft_from_logs  # noqa: E402

NOW = "2026-01-01T00:00:00+00:00"
MASKS = [  # drain3's example drain3.ini
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
]
MASK = re.compile(r"<(?:ID|IP|SEQ|HEX|NUM|CMD)>")


def normalise(template: str) -> str:
    """Blank runs made one space, `<*>`s separated only by blanks merged."""
    return re.sub(r"<\*>(?:\s*<\*>)+", "<*>", " ".join(template.split()))


def grouping_accuracy(truth: list[str], predicted: list) -> float:
    groups, clusters = defaultdict(set), defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        groups[t].add(i)
        clusters[p].add(i)
    return sum(1 for t, p in zip(truth, predicted) if groups[t] == clusters[p]) / len(truth)


def parsing_accuracy(truth: list[str], predicted: list[str | None]) -> float:
    return sum(1 for t, p in zip(truth, predicted) if p is not None and normalise(t) == normalise(p)) / len(truth)


def stackgen(records: list[Record]) -> tuple[list, list[str | None]]:
    """Each record's variant and template from `stackgen infer`; misframed records get a group
    of their own and no template."""
    data = "".join(r.text + "\n" for r in records).encode()
    draft, framed = draft_from_logs([("bench.log", data)], "bench", NOW)
    starts, line = [], 0
    for text in framed[0]:
        starts.append(line)
        line += text.count("\n") + 1
    groups: list = []
    templates: list[str | None] = []
    line = 0
    for i, record in enumerate(records):
        k = bisect_right(starts, line) - 1
        if k >= 0 and starts[k] == line and framed[0][k] == record.text:
            groups.append(draft.variant_of[k] if draft.variant_of[k] != "*" else ("*", k))
            templates.append(draft.templates[k])
        else:
            groups.append(("misframed", i))
            templates.append(None)
        line += record.text.count("\n") + 1
    return groups, templates


def drain(records: list[Record], masked: bool = False) -> tuple[list, list[str]]:
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    if masked:
        config.masking_instructions = [MaskingInstruction(p, m) for p, m in MASKS]
    miner = TemplateMiner(config=config)
    ids = [miner.add_log_message(r.text)["cluster_id"] for r in records]
    final = {c.cluster_id: MASK.sub("<*>", c.get_template()) for c in miner.drain.clusters}
    return ids, [final[i] for i in ids]


TOOLS = {"stackgen": stackgen, "drain3": drain, "drain3+mask": lambda records: drain(records, masked=True)}


def rate(tool, records: list[Record]) -> float:
    started = time.perf_counter()
    tool(records)
    return len(records) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per tool, alternating")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("-n", type=int, default=2000, help="records per family")
    parser.add_argument("--large", type=int, default=50_000, help="records per family for the second speed measure")
    args = parser.parse_args()
    if importlib.util.find_spec("drain3") is None:
        sys.exit("this benchmark compares with Drain3: pip install drain3")
    print(f"{args.n} generated records per family; GA = grouping accuracy, PA = parsing accuracy; "
          f"records/s: median of {args.rounds} alternating rounds, on the {args.n:,} records and on {args.large:,}\n")
    print(f"| family | types | stackgen GA | PA | drain3 GA | PA | drain3+mask GA | PA | stackgen rec/s | "
          f"drain3 rec/s | stackgen/drain3 (spread) | stackgen/drain3 on {args.large:,} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    totals: dict[str, list[float]] = defaultdict(list)
    for family in args.families.split(","):
        records = generate(family, args.n)
        kinds = [r.kind for r in records]
        truth = [r.template for r in records]
        scores = {}
        for name, tool in TOOLS.items():
            groups, templates = tool(records)
            scores[name] = (grouping_accuracy(kinds, groups), parsing_accuracy(truth, templates))
        rates: dict[str, list[float]] = defaultdict(list)
        large = generate(family, args.large)
        for _ in range(args.rounds):
            for name in ("stackgen", "drain3"):
                rates[name].append(rate(TOOLS[name], records))
                rates[name + " large"].append(rate(TOOLS[name], large))
        ratios = [a / b for a, b in zip(rates["stackgen"], rates["drain3"])]
        at_scale = statistics.median(a / b for a, b in zip(rates["stackgen large"], rates["drain3 large"]))
        totals["large"].append(at_scale)
        ours, theirs = statistics.median(rates["stackgen"]), statistics.median(rates["drain3"])
        for name, (ga, pa) in scores.items():
            totals[f"{name} GA"].append(ga)
            totals[f"{name} PA"].append(pa)
        totals["ratio"].append(statistics.median(ratios))
        cells = " | ".join(f"{ga:.3f} | {pa:.3f}" for ga, pa in scores.values())
        print(f"| {family} | {len(set(kinds))} | {cells} | {ours:,.0f} | {theirs:,.0f} | "
              f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) | {at_scale:.2f}x |", flush=True)
    mean = {k: statistics.mean(v) for k, v in totals.items()}
    print(f"| mean | | {mean['stackgen GA']:.3f} | {mean['stackgen PA']:.3f} | {mean['drain3 GA']:.3f} | "
          f"{mean['drain3 PA']:.3f} | {mean['drain3+mask GA']:.3f} | {mean['drain3+mask PA']:.3f} | | | "
          f"{mean['ratio']:.2f}x | {mean['large']:.2f}x |")


if __name__ == "__main__":
    main()
