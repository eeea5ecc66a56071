"""`stackgen classify` measured: the word-frequency classifier, with and without typical n-grams,
against a multinomial naive Bayes baseline, all trained on the same lines in the same run.

Data: `classify_data.py`'s seeded syslog/auth lines from simulated attacks and normal operation,
its fixed 75/25 train/test split. Quality on the test lines: accuracy per true category and
overall; alert precision, recall and F1, where a line is an alert when its category is one of
auth_failure, privilege_escalation, recon, malware (normal and service_error are not), a true
positive is an alert line classified into any alert category, and "exact" also requires the
right one. Speed, in alternating rounds (median and spread): training time, and lines/s of
`classify` on the test lines (tokenising included); ratios are against naive Bayes.

    python benchmarks/classifier.py [--lines 12000] [--seed 7] [--ngrams 2,3] [--rounds 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from classify_data import ALERTS, CATEGORIES, generate, split  # noqa: E402
from stackgen.classify import Classifier, train  # noqa: E402

Rows = list[tuple[str, str]]


def quality(classifier: Classifier, test: Rows) -> dict:
    """Accuracy per category and overall, alert precision/recall/F1 (any alert category, and exact)."""
    right, seen = Counter(), Counter()
    tp = fp = fn = exact = 0
    for truth, line in test:
        got = classifier.classify(line)[0]
        seen[truth] += 1
        right[truth] += got == truth
        alert, raised = truth in ALERTS, got in ALERTS
        tp += alert and raised
        exact += alert and got == truth
        fp += raised and not alert
        fn += alert and not raised
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    alerts = sum(seen[c] for c in ALERTS)
    return {"per_category": {c: right[c] / seen[c] for c in seen}, "accuracy": sum(right.values()) / len(test),
            "precision": precision, "recall": recall, "f1": f1, "exact_recall": exact / alerts if alerts else 0.0}


def speed(methods: dict[str, dict], train_rows: Rows, test: Rows, rounds: int) -> dict[str, tuple[list, list]]:
    """Per method: training seconds and classified lines/s, one of each per round, methods alternating."""
    texts = [line for _, line in test]
    times: dict[str, tuple[list, list]] = {name: ([], []) for name in methods}
    for _ in range(rounds):
        for name, options in methods.items():
            start = time.perf_counter()
            classifier = train(train_rows, **options)
            trained = time.perf_counter()
            for text in texts:
                classifier.classify(text)
            done = time.perf_counter()
            times[name][0].append(trained - start)
            times[name][1].append(len(texts) / (done - trained))
    return times


def spread(values: list[float]) -> str:
    if min(values) >= 100:
        return f"{min(values):.0f}-{max(values):.0f}"
    return f"{min(values):.3f}-{max(values):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=12000, help="generated lines (75%% train, 25%% test)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ngrams", default="2,3", help="n-gram lengths to measure the word-frequency classifier with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    train_rows, test = split(generate(args.lines, args.seed))
    methods = {"word-frequency": {}}
    methods.update({f"word-frequency + {n}-grams": {"ngrams": int(n)} for n in args.ngrams.split(",") if n})
    methods["naive Bayes (baseline)"] = {"method": "naive-bayes"}
    base = "naive Bayes (baseline)"
    print(f"{len(train_rows)} training lines, {len(test)} test lines (seed {args.seed}); "
          f"test lines per category: {dict(sorted(Counter(c for c, _ in test).items()))}")
    print(f"alert categories: {', '.join(ALERTS)}\n")

    results = {name: quality(train(train_rows, **options), test) for name, options in methods.items()}
    names = list(methods)
    width = max(len(n) for n in names)
    print("accuracy per category")
    print(f"{'':{width}}  " + "  ".join(f"{c:>{max(len(c), 7)}}" for c in CATEGORIES) + f"  {'overall':>8}")
    for name in names:
        r = results[name]
        print(f"{name:{width}}  " + "  ".join(f"{r['per_category'][c]:{max(len(c), 7)}.1%}" for c in CATEGORIES)
              + f"  {r['accuracy']:8.1%}")
    print("\nalerts (any alert category raised for an alert line; exact: the right one)")
    print(f"{'':{width}}  {'precision':>9}  {'recall':>7}  {'F1':>6}  {'exact recall':>12}")
    for name in names:
        r = results[name]
        print(f"{name:{width}}  {r['precision']:9.1%}  {r['recall']:7.1%}  {r['f1']:6.3f}  {r['exact_recall']:12.1%}")

    times = speed(methods, train_rows, test, args.rounds)
    base_train = statistics.median(times[base][0])
    base_rate = statistics.median(times[base][1])
    print(f"\nspeed, median of {args.rounds} alternating rounds (spread); ratios against naive Bayes")
    print(f"{'':{width}}  {'train s':>8}  {'(spread)':>13}  {'x NB':>5}  {'lines/s':>8}  {'(spread)':>13}  {'x NB':>5}")
    for name in names:
        fit, rate = times[name]
        print(f"{name:{width}}  {statistics.median(fit):8.3f}  {spread(fit):>13}  "
              f"{statistics.median(fit) / base_train:5.2f}  {statistics.median(rate):8.0f}  {spread(rate):>13}  "
              f"{statistics.median(rate) / base_rate:5.2f}")
    print("\naccuracy against naive Bayes: " + ", ".join(
        f"{name} {results[name]['accuracy'] - results[base]['accuracy']:+.1%}" for name in names if name != base))


if __name__ == "__main__":
    main()
