"""Held-out logs the shipped schemas were not written from: the fields they give must be right.

`tests/heldout/<family>/heldout.log` with `heldout.expected.jsonl` (one object of dotted fields per
record) were written independently of `samples/`. A field counts as right when the document has
it with the expected value; every expected field the document lacks or gets wrong, and every
field of the family's vocabulary the document has but should not, counts against it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import stackgen
from stackgen.engines.local import LocalEngine
from stackgen.verify.compare import normalize

from conftest import ROOT

HELDOUT = Path(__file__).resolve().parent / "heldout"
FAMILIES = sorted(p.name for p in HELDOUT.iterdir() if p.is_dir())
NOW = "2026-06-15T12:00:00Z"  # the set's convention for year-less timestamps
MINIMUM = 0.85


def flatten(doc: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def score(family: str) -> tuple[int, int, list[str]]:
    """(right, counted, mistakes) over every field of every record."""
    model = stackgen.load_schema(ROOT / "samples" / family / "schema.yaml")
    log = HELDOUT / family / "heldout.log"
    expected = [json.loads(line) for line in (HELDOUT / family / "heldout.expected.jsonl").read_text().splitlines()]
    docs = stackgen.parse(model, log.read_bytes(), LocalEngine(model, now=NOW), str(log))
    assert len(docs) == len(expected), f"{len(expected)} records expected, {len(docs)} documents"
    vocabulary = {field for want in expected for field in want}
    right = counted = 0
    mistakes = []
    for i, (doc, want) in enumerate(zip(docs, expected)):
        got = flatten(normalize(model, doc))
        for field in sorted(vocabulary & (set(want) | set(got))):
            counted += 1
            if got.get(field) == want.get(field):
                right += 1
            else:
                mistakes.append(f"record {i}: {field} want {want.get(field)!r} got {got.get(field)!r}")
    return right, counted, mistakes


@pytest.mark.parametrize("family", FAMILIES)
def test_shipped_schemas_get_the_heldout_fields_right(family, capsys):
    right, counted, mistakes = score(family)
    with capsys.disabled():
        print(f"\nheld-out {family}: {right}/{counted} fields right = {right / counted:.3f}")
    assert right / counted >= MINIMUM, "\n".join(mistakes[:40])
