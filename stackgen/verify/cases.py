"""Stage 5a: discovering sample cases: `<name>.log` beside `<name>.log-expected.json`.

The convention is elastic-package's: the golden file holds `{"expected": [doc, ...]}`, one
document per record in input order.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stackgen.errors import UsageError

EXPECTED_SUFFIX = "-expected.json"
ALERTS_SUFFIX = "-expected-alerts.json"


@dataclass(frozen=True)
class Case:
    """One sample file and its golden file."""

    log: Path

    @property
    def name(self) -> str:
        return self.log.name

    @property
    def golden(self) -> Path:
        return self.log.with_name(self.log.name + EXPECTED_SUFFIX)

    @property
    def alerts_golden(self) -> Path:
        return self.log.with_name(self.log.name + ALERTS_SUFFIX)

    def expected(self) -> list[dict] | None:
        """The golden documents, or None when the golden file does not exist yet."""
        return _expected(self.golden)

    def expected_alerts(self) -> list[dict] | None:
        """The golden alerts, or None when the case has none."""
        return _expected(self.alerts_golden)


def _expected(golden: Path) -> list[dict] | None:
    if not golden.exists():
        return None
    try:
        data = json.loads(golden.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{golden}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{golden}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("expected"), list):
        raise UsageError(f"{golden}: expected an object {{\"expected\": [...]}}")
    return data["expected"]


def discover(samples: Path) -> list[Case]:
    """Every `*.log` case under a samples directory, sorted by name."""
    if not samples.is_dir():
        raise UsageError(f"{samples}: not a directory")
    cases = [Case(p) for p in sorted(samples.glob("*.log"))]
    if not cases:
        raise UsageError(f"{samples}: no *.log sample files")
    return cases


def golden_text(documents: list[dict]) -> str:
    """The golden file for documents: stable key order, readable, non-ASCII kept."""
    return json.dumps({"expected": documents}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
