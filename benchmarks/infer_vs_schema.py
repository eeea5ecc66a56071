"""How close `stackgen infer` comes to the hand-written schema of every shipped family.

For each family, the draft is made from the family's own sample logs, and both schemas parse the
same records with the local engine. Per family:
- variants: how many the hand-written schema has, how many the draft has;
- fields found: of the values the hand-written documents hold (every leaf except `@timestamp`,
  `event.original`, `tags`, and labels derived from another value), the share the drafted
  document of the same record also holds as a leaf value, under whatever name (a user renames);
- types right: of those found, the share whose JSON type (number, string, boolean) is the same;
- time right: records whose `@timestamp` is the same instant in both.

    python benchmarks/infer_vs_schema.py
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import stackgen  # noqa: E402
from stackgen.engines.framing import frame  # noqa: E402
from stackgen.engines.local import LocalEngine  # noqa: E402
from stackgen.infer import draft_from_logs  # noqa: E402

SKIP = {"@timestamp", "event.original", "tags"}


def leaves(doc, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(leaves(value, path + "."))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out[f"{path}[{i}]"] = item
        else:
            out[path] = value
    return out


def kind(value) -> str:
    return "boolean" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "string"


def compare(family: Path) -> dict:
    hand = stackgen.load_schema(family / "schema.yaml")
    logs = [(str(p), p.read_bytes()) for p in sorted(family.glob("*.log"))]
    now = hand.now or "2026-01-01T00:00:00Z"
    draft, _ = draft_from_logs(logs, family.name, now)
    drafted = stackgen.parse_schema(draft.schema, f"{family.name}-draft.yaml")
    ours, theirs = LocalEngine(hand, now), LocalEngine(drafted, now)
    derived = {v.label_target for v in hand.values if v.label_target}
    wanted = found = typed = times = records = 0
    for path, data in logs:
        for record in frame(hand, data, path):
            records += 1
            want, got = ours.run(record.text, record.flags), theirs.run(record.text, record.flags)
            times += want.get("@timestamp") == got.get("@timestamp")
            got_values: dict[str, set[str]] = {}
            for value in leaves(got).values():
                got_values.setdefault(str(value), set()).add(kind(value))
            for path_, value in leaves(want).items():
                if path_.split("[")[0] in SKIP or path_.split("[")[0] in derived:
                    continue
                wanted += 1
                if str(value) in got_values:
                    found += 1
                    typed += kind(value) in got_values[str(value)]
    return {"family": family.name, "variants": len(hand.variants), "drafted": len(drafted.variants),
            "wanted": wanted, "found": found, "typed": typed, "times": times, "records": records}


def main() -> None:
    rows = [compare(p.parent) for p in sorted((ROOT / "samples").glob("*/schema.yaml"))]
    print("| family | variants (hand / draft) | fields found | types right | time right |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['family']} | {r['variants']} / {r['drafted']} | {r['found']}/{r['wanted']} "
              f"({r['found'] / max(1, r['wanted']):.0%}) | {r['typed']}/{r['found']} ({r['typed'] / max(1, r['found']):.0%}) "
              f"| {r['times']}/{r['records']} ({r['times'] / max(1, r['records']):.0%}) |")


if __name__ == "__main__":
    main()
