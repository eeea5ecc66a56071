"""Stage 0 of applying `stackgen classify`: a model file in, a checked classifier out.

The file is what `Classifier.to_json` writes: {"kind": ..., "version": 1, "categories": [...],
"lines": [...], "ngrams": N, "features": {feature: [count per category]}}. Anything else (not
JSON, another kind or version, a missing or malformed field) is a `UsageError` naming the file.
"""
from __future__ import annotations

import json
from pathlib import Path

from stackgen.classify import bayes, frequency
from stackgen.classify.classifier import VERSION, Classifier
from stackgen.classify.matrix import Matrix
from stackgen.errors import UsageError

__all__ = ["load", "loads", "METHODS"]

METHODS: dict[str, type[Classifier]] = {frequency.KIND: frequency.WordFrequency, bayes.KIND: bayes.NaiveBayes}


def load(path: str | Path) -> Classifier:
    """The classifier stored at `path` (written by `Classifier.to_json`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the classifier model: {exc}") from None
    return loads(text, str(path))


def loads(text: str, where: str = "<model>") -> Classifier:
    """The classifier of a model file's text; `where` names it in errors."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where}: not a classifier model (not JSON: {exc})") from None
    problem = _problem(document)
    if problem:
        raise UsageError(f"{where}: not a classifier model stackgen reads ({problem})")
    matrix = Matrix(tuple(document["categories"]), tuple(document["lines"]),
                    {f: tuple(row) for f, row in sorted(document["features"].items())}, document["ngrams"])
    return METHODS[document["kind"]](matrix)


def _count(value) -> bool:
    return type(value) is int and value >= 0


def _problem(document) -> str | None:
    if not isinstance(document, dict):
        return "not a JSON object"
    if document.get("kind") not in METHODS:
        return f"kind {document.get('kind')!r} is none of {', '.join(sorted(METHODS))}"
    if document.get("version") != VERSION:
        return f"version {document.get('version')!r}, expected {VERSION}"
    missing = {"categories", "lines", "ngrams", "features"} - document.keys()
    if missing:
        return f"missing {', '.join(sorted(missing))}"
    categories, lines = document["categories"], document["lines"]
    if (not isinstance(categories, list) or not categories or categories != sorted(set(categories))
            or not all(isinstance(c, str) and c for c in categories)):
        return "categories: a sorted list of distinct non-empty names"
    if not isinstance(lines, list) or len(lines) != len(categories) or not all(_count(n) and n for n in lines):
        return "lines: one count (at least 1) per category"
    if not _count(document["ngrams"]) or document["ngrams"] < 1:
        return "ngrams: an integer >= 1"
    features = document["features"]
    if not isinstance(features, dict) or not features:
        return "features: an object with at least one feature"
    for feature, row in features.items():
        if not isinstance(row, list) or len(row) != len(categories) or not all(_count(n) for n in row):
            return f"features[{feature!r}]: one count per category"
    return None
