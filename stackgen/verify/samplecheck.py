"""Stage 5e: does a schema fit the sample logs beside it? Warnings for `stackgen validate`.

A schema can be valid and still never match its own logs (a wrong separator, a template with one
blank too many): every record then ends up tagged. This replays the `*.log` files next to the
schema through the local engine and warns about files none of whose records fits, and variants
no record takes.
"""
from __future__ import annotations

from pathlib import Path

from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.model.nodes import LogModel, TAG_GROK
from stackgen.verify.runner import variants_seen, wanted_variants


def sample_warnings(model: LogModel, directory: Path) -> list[str]:
    """One line per problem; empty when every sample file fits and every variant is used."""
    logs = sorted(p for p in directory.glob("*.log") if p.is_file())
    if not logs:
        return []
    engine = LocalEngine(model)
    warnings = []
    records_all, docs_all = [], []
    for log in logs:
        records = frame(model, log.read_bytes(), str(log))
        docs = engine.documents(records)
        records_all += records
        docs_all += docs
        failed = sum(1 for d in docs if TAG_GROK in d.get("tags", ()))
        if records and failed == len(records):
            warnings.append(f"{log}: W001: none of its {len(records)} records fits the layout "
                            f"(all tagged {TAG_GROK}); check the separator or the patterns")
    seen = variants_seen(model, records_all, docs_all)
    for key in wanted_variants(model):
        if key not in seen:
            warnings.append(f"{directory}: W002 at variants.{key}: no sample record takes this variant")
    return warnings
