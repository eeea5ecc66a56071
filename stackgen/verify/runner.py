"""Stage 5d: running every case through an engine, and per-variant coverage."""
from __future__ import annotations

import time
from pathlib import Path

from stackgen.engines import Engine
from stackgen.engines.framing import Record, frame
from stackgen.engines.local import LocalEngine
from stackgen.model.nodes import TAG_GROK, LogModel
from stackgen.verify.alerts import check_alerts
from stackgen.verify.cases import Case, discover, golden_text
from stackgen.verify.compare import check_fields, diff_documents, lookup, normalize
from stackgen.verify.report import CaseResult, Report

DEFAULT_VARIANT = "*"


def variants_seen(model: LogModel, records: list[Record], documents: list[dict]) -> set[str]:
    """Variants that parsed without a structure failure in these records (`*`: the default)."""
    if model.first_match:
        # which variant matched is not in the document: the step interpreter tells (local = engines)
        local = LocalEngine(model)
        return {local.variant(record.text) for record in records}
    if not model.discriminator:
        return set()
    target = model.value(model.discriminator).target
    known = set(model.variant_keys)
    seen = set()
    for doc in documents:
        if TAG_GROK in doc.get("tags", []):
            continue
        key = lookup(doc, target)
        if key is not None:
            seen.add(key if key in known else DEFAULT_VARIANT)
    return seen


def wanted_variants(model: LogModel) -> list[str]:
    """Every variant a sample must exercise; `*` too where other records are accepted."""
    if model.first_match:
        keep = model.default_fields is None and model.variants
        return [*model.variant_keys, *([DEFAULT_VARIANT] if keep else [])]
    return [*model.variant_keys, DEFAULT_VARIANT] if model.discriminator else []


def _run_case(model: LogModel, engine: Engine, case: Case, generate: bool, report: Report) -> tuple[list, list]:
    started = time.monotonic()
    records = frame(model, case.log.read_bytes(), str(case.log))
    produced = engine.documents(records)
    got = [normalize(model, doc) for doc in produced]
    elapsed = time.monotonic() - started
    problems = [f"document {i} (line {records[i].line}): {p}" for i, doc in enumerate(got)
                for p in check_fields(model, doc)]
    problems += [f"index: {p}" for p in engine.problems]
    if len(got) != len(records):
        problems.insert(0, f"{len(records)} records in, {len(got)} documents out")
    if problems:
        report.cases.append(CaseResult(case.name, "failed", len(records), "documents or index break the schema",
                                       "\n".join(problems), elapsed))
        return records, got
    if generate:
        case.golden.write_text(golden_text(got), encoding="utf-8")
        report.written.append(str(case.golden))
        report.cases.append(CaseResult(case.name, "passed", len(records), "golden written", seconds=elapsed))
        return records, got
    want = case.expected()
    if want is None:
        report.cases.append(CaseResult(case.name, "failed", len(records),
                                       f"no golden file {case.golden.name}; run with --generate and review it",
                                       seconds=elapsed))
        return records, got
    diff = diff_documents([normalize(model, d) for d in want], got, case.name)
    status = "failed" if diff else "passed"
    message = "documents differ from the golden file" if diff else ""
    report.cases.append(CaseResult(case.name, status, len(records), message, diff, elapsed))
    return records, got


def verify(model: LogModel, samples: Path, engine: Engine, generate: bool = False,
           require_coverage: bool = True) -> Report:
    """Run every sample case through the engine and compare with (or write) its golden file."""
    report = Report(engine.name)
    documents: list[dict] = []
    records: list[Record] = []
    cases = discover(samples)
    if hasattr(engine, "prefetch"):  # an engine that reads whole files (Filebeat) takes them all at once
        engine.prefetch([case.log for case in cases])
    for case in cases:
        case_records, case_documents = _run_case(model, engine, case, generate, report)
        check_alerts(model, engine, case, case_records, generate, report)
        records += case_records
        documents += case_documents
    wanted = wanted_variants(model)
    if require_coverage and wanted:
        seen = variants_seen(model, records, documents)
        missing = [key for key in wanted if key not in seen]
        if missing:
            report.cases.append(CaseResult(
                "coverage", "failed", 0, f"{len(missing)} of {len(wanted)} variants have no parsed sample record",
                "missing: " + ", ".join(missing)))
        else:
            report.cases.append(CaseResult("coverage", "passed", 0, f"all {len(wanted)} variants have samples"))
    return report
