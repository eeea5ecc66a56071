"""Stage 4 of `stackgen classify`: the command line's work, files in and out.

`read_tsv`: TRAIN.tsv rows, `category<TAB>log line` (split at the first tab; the line may hold
more tabs; a trailing CR and a leading byte-order mark are dropped; blank lines are skipped). A line without a tab or with an
empty category is a `UsageError` naming file:line. `train_file` writes the model beside its
destination and renames it into place, so a failed run leaves no model file. `apply_lines`
prints one JSON object per input line, in order, scores rounded to `DECIMALS` places.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from stackgen.classify import train
from stackgen.classify.classifier import Classifier
from stackgen.errors import UsageError

__all__ = ["read_tsv", "train_file", "apply_lines", "lines", "result", "DECIMALS"]

DECIMALS = 6


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """The (category, line) rows of a TRAIN.tsv file."""
    rows = []
    text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")  # a BOM is no category
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        category, tab, message = line.partition("\t")
        if not tab:
            raise UsageError(f"{path}:{number}: no tab: a training line is CATEGORY<TAB>LOG LINE")
        if not category.strip():
            raise UsageError(f"{path}:{number}: empty category before the tab")
        if category != category.strip():
            raise UsageError(f"{path}:{number}: spaces around the category {category!r}")
        rows.append((category, message))
    if not rows:
        raise UsageError(f"{path}: no training lines")
    return rows


def train_file(tsv: Path, output: Path, ngrams: int = 1, method: str = "word-frequency") -> Classifier:
    """Train on `tsv` and write the model to `output` (whole, or not at all)."""
    classifier = train(read_tsv(tsv), ngrams, method)
    text = classifier.to_json()
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(staging, output)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
    return classifier


def result(classifier: Classifier, text: str) -> str:
    """One line's JSON object: {"category": C, "scores": {C: S, ...}} with sorted keys."""
    category, scores = classifier.classify(text)
    rounded = {c: round(s, DECIMALS) + 0.0 for c, s in scores.items()}  # + 0.0: no "-0.0"
    return json.dumps({"category": category, "scores": rounded}, sort_keys=True, ensure_ascii=False)


def lines(stream: BinaryIO) -> Iterator[str]:
    """The lines of a byte stream, split at LF only, without their line ends, decoded as UTF-8."""
    for line in stream:
        yield line.decode("utf-8", errors="replace").rstrip("\r\n")


def apply_lines(classifier: Classifier, texts: Iterable[str], out: TextIO) -> int:
    """Write one JSON object per line to `out`; return how many."""
    done = 0
    for text in texts:
        out.write(result(classifier, text) + "\n")
        done += 1
    return done
