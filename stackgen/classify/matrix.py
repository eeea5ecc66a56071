"""Stage 2 of `stackgen classify`: labelled lines in, the feature-by-category occurrence matrix out.

Rows of the matrix are features: every word seen in training (`tokens.words`) and, when asked
for (`ngrams` >= 2), the most typical n-grams of each category; columns are the categories, in
sorted order; a cell is how many times the feature occurs in that category's training lines.
Both classifiers are computed from this matrix, and the model file stores it as integers.

Typical n-grams (the improvement the word-frequency method's authors point to): for each n from
2 to `ngrams`, the n-grams of the training lines are counted into their own matrix and weighted
as the words are (`frequency.weigh`: per category, then per n-gram). An n-gram is typical of a
category when it occurs there at least `MIN_COUNT` times and its weight there is at least
`TYPICAL`; each category keeps its `TOP` most typical ones (weight, then count, descending; then
the n-gram's text). Kept n-grams join the words as extra rows, with their counts in every category.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stackgen.classify.tokens import ngrams as grams
from stackgen.classify.tokens import words
from stackgen.errors import UsageError

__all__ = ["Matrix", "count", "weigh", "MIN_COUNT", "TYPICAL", "TOP"]

MIN_COUNT = 3  # occurrences in the category before an n-gram can be typical of it
TYPICAL = 0.8  # its share of the n-gram's weight over all categories
TOP = 100  # n-grams kept per category and per n


@dataclass(frozen=True)
class Matrix:
    """Occurrences of each feature in each category's training lines."""

    categories: tuple[str, ...]  # sorted
    lines: tuple[int, ...]  # training lines per category
    features: dict[str, tuple[int, ...]]  # feature -> occurrences per category
    ngrams: int  # longest n-gram feature looked for (1: words only)


def count(rows: Iterable[tuple[str, str]], ngrams: int = 1) -> Matrix:
    """The occurrence matrix of (category, line) rows, with typical n-grams up to `ngrams` words."""
    if ngrams < 1:
        raise UsageError(f"ngrams must be at least 1, not {ngrams}")
    labelled = [(category, words(line)) for category, line in rows]
    for category, _ in labelled:
        if not category or category != category.strip():
            raise UsageError(f"bad category {category!r}: empty, or with spaces around it")
    if not labelled:
        raise UsageError("no training lines")
    categories = tuple(sorted({category for category, _ in labelled}))
    column = {category: i for i, category in enumerate(categories)}
    lines = [0] * len(categories)
    for category, _ in labelled:
        lines[column[category]] += 1
    features = _occurrences(((column[c], tokens) for c, tokens in labelled), len(categories))
    for n in range(2, ngrams + 1):
        found = _occurrences(((column[c], grams(tokens, n)) for c, tokens in labelled), len(categories))
        features.update({gram: found[gram] for gram in _typical(found, len(categories))})
    return Matrix(categories, tuple(lines), dict(sorted(features.items())), ngrams)


def weigh(features: dict[str, tuple[int, ...]], width: int) -> dict[str, tuple[float, ...]]:
    """The word-frequency weights: each column divided by its total, then each row by its total.

    A category with no occurrences at all has weight 0 for every feature.
    """
    totals = [0] * width
    for row in features.values():
        for i, n in enumerate(row):
            totals[i] += n
    weights: dict[str, tuple[float, ...]] = {}
    for feature, row in features.items():
        shares = [n / total if total else 0.0 for n, total in zip(row, totals)]
        whole = sum(shares)
        weights[feature] = tuple(share / whole if whole else 0.0 for share in shares)
    return weights


def _occurrences(labelled: Iterable[tuple[int, list[str]]], width: int) -> dict[str, tuple[int, ...]]:
    table: dict[str, list[int]] = {}
    for column, features in labelled:
        for feature in features:
            row = table.get(feature)
            if row is None:
                row = table[feature] = [0] * width
            row[column] += 1
    return {feature: tuple(row) for feature, row in table.items()}


def _typical(found: dict[str, tuple[int, ...]], width: int) -> set[str]:
    weights = weigh(found, width)
    kept: set[str] = set()
    for column in range(width):
        candidates = [(-weights[g][column], -row[column], g) for g, row in found.items()
                      if row[column] >= MIN_COUNT and weights[g][column] >= TYPICAL]
        kept.update(g for _, _, g in sorted(candidates)[:TOP])
    return kept
