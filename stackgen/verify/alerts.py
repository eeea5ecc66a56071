"""Stage 5f: a case's alerts held against its golden `<case>.log-expected-alerts.json`.

The golden holds `{"expected": [alert, ...]}`, the alerts `stackgen detect` prints for the case's
file alone, in time order. A case is checked when its golden exists, or written with
`--generate` when the schema has rules `detect` runs. Engines that cannot search what they
indexed (filebeat, stack) leave alerts to the others.
"""
from __future__ import annotations

import difflib
import json
import time

from stackgen import detect
from stackgen.engines import Engine
from stackgen.engines.framing import Record
from stackgen.model.nodes import LogModel
from stackgen.verify.cases import Case
from stackgen.verify.report import CaseResult, Report

ALERT_ENGINES = ("local", "embedded", "elasticsearch")


def _golden_text(alerts: list[dict]) -> str:
    return json.dumps({"expected": alerts}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check_alerts(model: LogModel, engine: Engine, case: Case, records: list[Record], generate: bool,
                 report: Report) -> None:
    golden = case.alerts_golden
    runnable = any(d.runnable for d in model.detections)
    if engine.name not in ALERT_ENGINES or not (golden.exists() or (generate and runnable)):
        return
    started = time.monotonic()
    got = [detect.to_json(a) for a in detect.alerts(model, records, engine)]
    name = f"{case.name} alerts"
    if generate:
        golden.write_text(_golden_text(got), encoding="utf-8")
        report.written.append(str(golden))
        report.cases.append(CaseResult(name, "passed", 0, f"golden written ({len(got)} alerts)",
                                       seconds=time.monotonic() - started))
        return
    want = case.expected_alerts()
    if want == got:
        report.cases.append(CaseResult(name, "passed", 0, f"{len(got)} alerts as expected",
                                       seconds=time.monotonic() - started))
        return
    diff = "\n".join(difflib.unified_diff(
        [json.dumps(a, sort_keys=True, ensure_ascii=False) for a in want],
        [json.dumps(a, sort_keys=True, ensure_ascii=False) for a in got],
        f"want {golden.name}", "got", lineterm=""))
    report.cases.append(CaseResult(name, "failed", 0,
                                   f"alerts differ from the golden file ({len(want)} expected, {len(got)} raised)",
                                   diff, time.monotonic() - started))
