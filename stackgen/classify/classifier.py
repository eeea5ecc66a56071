"""Stage 3 of `stackgen classify`, shared part: a trained matrix in, a line's category and scores out.

Each method (`frequency.WordFrequency`, `bayes.NaiveBayes`) scores every category for a line's
features; the category with the highest score wins. Ties (equal floats, e.g. a line with no word
seen in training) go to the category with more training lines, then to the name sorted first.
The model file is the matrix itself, as JSON with sorted keys and integer counts only (no float
is stored: weights are recomputed on load), so the same training data gives the same bytes.
"""
from __future__ import annotations

import json

from stackgen.classify.matrix import Matrix
from stackgen.classify.tokens import ngrams as grams
from stackgen.classify.tokens import words

__all__ = ["Classifier", "VERSION"]

VERSION = 1


class Classifier:
    """A trained classifier: `classify(text) -> (category, {category: score})`."""

    kind = ""  # the model file's "kind"

    def __init__(self, matrix: Matrix):
        self.matrix = matrix
        self.categories = matrix.categories
        # tie order: more training lines first, then the name
        self._rank = {c: (-n, c) for c, n in zip(matrix.categories, matrix.lines)}

    def features(self, text: str) -> list[str]:
        """The line's words and its n-grams up to the trained length that are features (in order)."""
        tokens = words(text)
        found = list(tokens)
        for n in range(2, self.matrix.ngrams + 1):
            found.extend(g for g in grams(tokens, n) if g in self.matrix.features)
        return found

    def scores(self, text: str) -> dict[str, float]:
        raise NotImplementedError

    def classify(self, text: str) -> tuple[str, dict[str, float]]:
        """The winning category of one line and every category's score."""
        scores = self.scores(text)
        best = max(scores.values())
        return min((c for c, s in scores.items() if s == best), key=self._rank.__getitem__), scores

    def to_json(self) -> str:
        """The model file: deterministic JSON, loadable with `stackgen.classify.load`."""
        m = self.matrix
        document = {"kind": self.kind, "version": VERSION, "categories": list(m.categories), "lines": list(m.lines),
                    "ngrams": m.ngrams, "features": {f: list(row) for f, row in m.features.items()}}
        return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
