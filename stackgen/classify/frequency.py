"""Stage 3 of `stackgen classify`, the published method: word-frequency scores.

The occurrence matrix (`matrix.count`) is normalised per category (each column divided by the
category's total occurrences) and then per feature (each row divided by its total over the
categories, `matrix.weigh`), so a feature's weights sum to 1 over the categories. A line's score
for a category is the sum of its features' weights there, one term per occurrence; features
never seen in training add nothing. With n-grams, a line's n-grams that are model features
count like words.
"""
from __future__ import annotations

from stackgen.classify.classifier import Classifier
from stackgen.classify.matrix import Matrix, weigh

__all__ = ["WordFrequency", "KIND"]

KIND = "stackgen.classify.word-frequency"


class WordFrequency(Classifier):
    """Words (and typical n-grams) weighted per category, then per word; highest sum wins."""

    kind = KIND

    def __init__(self, matrix: Matrix):
        super().__init__(matrix)
        self.weights = weigh(matrix.features, len(matrix.categories))

    def scores(self, text: str) -> dict[str, float]:
        total = [0.0] * len(self.categories)
        weights = self.weights
        for feature in self.features(text):
            row = weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    total[i] += w
        return dict(zip(self.categories, total))
