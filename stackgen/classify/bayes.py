"""Stage 3 of `stackgen classify`, the baseline: multinomial naive Bayes on the same words.

Trained on the same occurrence matrix (words only): a category's score for a line is
log P(category) + the sum over the line's words, one term per occurrence, of
log P(word | category), with P(category) = its share of the training lines and
P(word | category) = (occurrences + 1) / (the category's occurrences + vocabulary size)
(Laplace smoothing). Words never seen in training are skipped. Scores are these joint
log-probabilities (natural logarithm), not normalised over the categories.
"""
from __future__ import annotations

import math

from stackgen.classify.classifier import Classifier
from stackgen.classify.matrix import Matrix

__all__ = ["NaiveBayes", "KIND"]

KIND = "stackgen.classify.naive-bayes"


class NaiveBayes(Classifier):
    """Multinomial naive Bayes with Laplace smoothing, in log-probabilities."""

    kind = KIND

    def __init__(self, matrix: Matrix):
        super().__init__(matrix)
        width = len(matrix.categories)
        totals = [sum(row[i] for row in matrix.features.values()) for i in range(width)]
        vocabulary = len(matrix.features)
        all_lines = sum(matrix.lines)
        self.priors = tuple(math.log(n / all_lines) for n in matrix.lines)
        self.log_likelihood = {
            word: tuple(math.log((n + 1) / (total + vocabulary)) for n, total in zip(row, totals))
            for word, row in matrix.features.items()}

    def scores(self, text: str) -> dict[str, float]:
        total = list(self.priors)
        table = self.log_likelihood
        for word in self.features(text):
            row = table.get(word)
            if row is not None:
                for i, w in enumerate(row):
                    total[i] += w
        return dict(zip(self.categories, total))
