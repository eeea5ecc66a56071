"""`stackgen classify`: log lines into risk categories by the frequency of their words.

Stages: `tokens` (a line's words: letter runs, lowercased; numbers, ids and punctuation dropped),
`matrix` (the word-by-category occurrence matrix of labelled lines, plus each category's most
typical n-grams when asked), `frequency` (the published word-frequency method: the matrix
normalised per category, then per word; a line's score per category is the sum over its words,
the highest wins) and `bayes` (a multinomial naive Bayes baseline on the same words),
`modelfile` (the model as deterministic JSON, checked on load), `commands` (the CLI's work:
TRAIN.tsv in, a model file out; lines in, one JSON object per line out).

    clf = train([("normal", "session opened for user bob"), ("auth_failure", "Failed password")])
    category, scores = clf.classify("Failed password for root")
    load(path).classify(text)
"""
from __future__ import annotations

from collections.abc import Iterable

from stackgen.classify.bayes import NaiveBayes
from stackgen.classify.classifier import Classifier
from stackgen.classify.frequency import WordFrequency
from stackgen.classify.matrix import count
from stackgen.classify.modelfile import load, loads
from stackgen.classify.tokens import words
from stackgen.errors import UsageError

__all__ = ["Classifier", "WordFrequency", "NaiveBayes", "METHODS", "train", "load", "loads", "words"]

METHODS = ("word-frequency", "naive-bayes")


def train(rows: Iterable[tuple[str, str]], ngrams: int = 1, method: str = "word-frequency") -> Classifier:
    """A classifier trained on (category, line) rows.

    `ngrams` >= 2 adds each category's most typical n-grams of 2..ngrams words (word-frequency only);
    `method` "naive-bayes" trains the baseline instead.
    """
    if method not in METHODS:
        raise UsageError(f"unknown classifier method {method!r}: one of {', '.join(METHODS)}")
    if method == "naive-bayes":
        if ngrams != 1:
            raise UsageError("n-grams are an option of the word-frequency classifier, not of naive Bayes")
        return NaiveBayes(count(rows))
    return WordFrequency(count(rows, ngrams))
