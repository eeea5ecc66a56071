"""Stage 5c: results of a verification and their formats (human text, JUnit XML).

A failure is a mismatch (the case ran, documents differ); an error means the case could not run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET


@dataclass(frozen=True)
class CaseResult:
    """One verified case: passed, failed (mismatch) or error (could not run)."""

    name: str
    status: str  # "passed" | "failed" | "error"
    records: int = 0
    message: str = ""
    details: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    """Every case's result for one engine, plus what was written."""

    engine: str
    cases: list[CaseResult] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if c.status == "failed"]

    @property
    def errors(self) -> list[CaseResult]:
        return [c for c in self.cases if c.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def human(self) -> str:
        lines = []
        for case in self.cases:
            mark = {"passed": "ok  ", "failed": "FAIL", "error": "ERR "}[case.status]
            extra = f" ({case.records} records)" if case.records else ""
            lines.append(f"{mark} {case.name}{extra}" + (f": {case.message}" if case.message else ""))
            if case.details and case.status != "passed":
                lines.extend("     " + line for line in case.details.splitlines())
        for path in self.written:
            lines.append(f"wrote {path}")
        passed = len(self.cases) - len(self.failed) - len(self.errors)
        lines.append(f"{self.engine}: {passed} passed, {len(self.failed)} failed"
                     + (f", {len(self.errors)} errors" if self.errors else ""))
        return "\n".join(lines)

    def junit(self) -> str:
        suite = ET.Element("testsuite", name=f"stackgen.verify.{self.engine}", tests=str(len(self.cases)),
                           failures=str(len(self.failed)), errors=str(len(self.errors)))
        for case in self.cases:
            item = ET.SubElement(suite, "testcase", classname=f"stackgen.{self.engine}", name=case.name,
                                 time=f"{case.seconds:.3f}")
            if case.status in ("failed", "error"):
                tag = "failure" if case.status == "failed" else "error"
                node = ET.SubElement(item, tag, message=case.message)
                node.text = case.details
        ET.indent(suite)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
