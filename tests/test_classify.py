"""`stackgen classify`: the word-frequency classifier's exact scores on a hand-computed matrix, its
typical n-grams, the naive Bayes baseline, the model file, the CLI (train/apply, bad input), and
that both beat chance on the generated labelled lines (speed is measured in benchmarks only)."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction

import pytest

from stackgen.classify import NaiveBayes, WordFrequency, load, loads, train, words
from stackgen.classify.matrix import weigh
from stackgen.errors import UsageError

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import classify_data  # noqa: E402

ROWS = [
    ("normal", "session opened for user bob by (uid=0)"),
    ("auth_failure", "Failed password for root from 10.0.0.1 port 22 ssh2"),
    ("normal", "Accepted password for bob from 10.0.0.2"),
]


def stackgen(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stackgen", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_words_are_letter_runs_lowercased_without_numbers_ids_or_punctuation():
    line = "Jan  3 10:00:01 web-01 sshd[1234]: Failed password for root from 10.0.0.1 port 22 ssh2 id=0x7f3a a3f9c2 deadbeef"
    assert words(line) == ["jan", "web", "sshd", "failed", "password", "for", "root", "from", "port", "id", "deadbeef"]
    assert words("pam_unix(sshd:auth): x É") == ["pam", "unix", "sshd", "auth", "x", "é"]
    assert words("42 10.0.0.1 :: --") == []


def test_word_frequency_scores_are_the_matrix_normalised_per_category_then_per_word():
    clf = train(ROWS)
    assert isinstance(clf, WordFrequency)
    assert clf.categories == ("auth_failure", "normal")
    # occurrences: auth_failure has 6 (failed password for root from port), normal 12
    assert clf.matrix.features["password"] == (1, 1) and clf.matrix.features["bob"] == (0, 2)
    assert clf.matrix.features["for"] == (1, 2)

    def weight(a: int, n: int) -> tuple[Fraction, Fraction]:
        shares = Fraction(a, 6), Fraction(n, 12)
        return shares[0] / sum(shares), shares[1] / sum(shares)

    assert clf.weights["password"] == pytest.approx([float(w) for w in weight(1, 1)], abs=1e-15)  # 2/3, 1/3
    assert clf.weights["for"] == pytest.approx([0.5, 0.5], abs=1e-15)
    assert clf.weights["failed"] == (1.0, 0.0) and clf.weights["bob"] == (0.0, 1.0)
    category, scores = clf.classify("Failed password for bob")
    # failed (1, 0) + password (2/3, 1/3) + for (1/2, 1/2) + bob (0, 1)
    assert category == "auth_failure"
    assert scores == pytest.approx({"auth_failure": 13 / 6, "normal": 11 / 6}, abs=1e-12)
    # a repeated word counts each time; unknown words add nothing
    assert clf.classify("bob bob zebra 123")[1] == {"auth_failure": 0.0, "normal": 2.0}


def test_ties_go_to_the_category_with_more_training_lines_then_the_name():
    assert train(ROWS).classify("nothing known here") == ("normal", {"auth_failure": 0.0, "normal": 0.0})
    even = [("b", "x y"), ("a", "y x")]
    assert train(even).classify("x") == ("a", {"a": 0.5, "b": 0.5})
    assert train(even).classify("") == ("a", {"a": 0.0, "b": 0.0})


def test_typical_ngrams_are_extra_features_that_tell_word_order_apart():
    rows = [("a", "x y")] * 3 + [("b", "y x")] * 3 + [("b", "z w")] * 2
    words_only, bigrams = train(rows), train(rows, ngrams=2)
    # the words alone cannot tell "y x" from "x y": a wins both (x and y weigh more in its smaller column)
    assert words_only.classify("y x") == words_only.classify("x y")
    assert words_only.classify("y x")[0] == "a"
    assert words_only.classify("y x")[1] == pytest.approx({"a": 1.25, "b": 0.75}, abs=1e-12)
    assert bigrams.classify("y x")[0] == "b"
    # "x y" and "y x" occur 3 times each, only in one category: typical; "z w" only twice: not kept
    assert {f for f in bigrams.matrix.features if " " in f} == {"x y", "y x"}
    assert bigrams.matrix.features["x y"] == (3, 0)
    # columns: a = x3 y3 "x y"3 = 9, b = x3 y3 z2 w2 "y x"3 = 13; x: (3/9, 3/13) per word -> (13/22, 9/22)
    category, scores = bigrams.classify("x y")
    assert category == "a"
    assert scores == pytest.approx({"a": 2 * 13 / 22 + 1, "b": 2 * 9 / 22}, abs=1e-12)
    with pytest.raises(UsageError):
        train(rows, ngrams=0)


def test_weigh_gives_every_feature_weights_summing_to_one():
    weights = weigh({"a": (2, 0, 1), "b": (0, 0, 3), "c": (1, 0, 0)}, 3)
    assert weights["c"] == (1.0, 0.0, 0.0)  # category 2 has no occurrences at all: weight 0 everywhere
    assert weights["a"] == pytest.approx((float(Fraction(2, 3) / (Fraction(2, 3) + Fraction(1, 4))), 0.0,
                                          float(Fraction(1, 4) / (Fraction(2, 3) + Fraction(1, 4)))))
    assert all(math.isclose(sum(w), 1.0) for w in weights.values())


def test_naive_bayes_is_laplace_smoothed_log_probabilities():
    clf = train(ROWS, method="naive-bayes")
    assert isinstance(clf, NaiveBayes)
    category, scores = clf.classify("Failed password for bob, unknownword")
    # vocabulary 13 words; auth_failure 6 occurrences, normal 12; priors 1/3, 2/3
    auth = math.log(1 / 3) + math.log(2 / 19) * 3 + math.log(1 / 19)
    normal = math.log(2 / 3) + math.log(1 / 25) + math.log(2 / 25) + math.log(3 / 25) * 2
    assert scores == pytest.approx({"auth_failure": auth, "normal": normal}, abs=1e-12)
    assert category == ("auth_failure" if auth > normal else "normal")
    with pytest.raises(UsageError, match="word-frequency"):
        train(ROWS, ngrams=2, method="naive-bayes")


def test_the_model_file_is_deterministic_versioned_and_round_trips():
    train_rows, test = classify_data.split(classify_data.generate(2000, seed=3))
    for options in ({}, {"ngrams": 3}, {"method": "naive-bayes"}):
        text = train(train_rows, **options).to_json()
        assert text == train(list(train_rows), **options).to_json()  # byte-identical
        document = json.loads(text)
        assert document["version"] == 1 and document["kind"].startswith("stackgen.classify.")
        assert text == json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
        again = loads(text)
        assert again.to_json() == text
        original = train(train_rows, **options)
        assert [again.classify(line) for _, line in test[:200]] == [original.classify(line) for _, line in test[:200]]


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not JSON"),
    ('{"kind": "other", "version": 1}', "kind 'other'"),
    ('{"kind": "stackgen.classify.word-frequency", "version": 2}', "version 2"),
    ('{"kind": "stackgen.classify.word-frequency", "version": 1, "categories": ["a"], "lines": [1], "ngrams": 1}',
     "missing features"),
    ('{"kind": "stackgen.classify.naive-bayes", "version": 1, "categories": ["a", "b"], "lines": [1, 1], "ngrams": 1,'
     ' "features": {"x": [1]}}', "features['x']"),
    ('{"kind": "stackgen.classify.naive-bayes", "version": 1, "categories": ["b", "a"], "lines": [1, 1], "ngrams": 1,'
     ' "features": {}}', "categories"),
])
def test_a_corrupt_or_unknown_model_file_is_a_usage_error_naming_it(tmp_path, text, problem):
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=str(path)) as caught:
        load(path)
    assert problem in str(caught.value)
    with pytest.raises(UsageError, match="missing.json"):
        load(tmp_path / "missing.json")


def test_train_and_apply_round_trip_through_the_cli(tmp_path):
    train_rows, test = classify_data.split(classify_data.generate(1200, seed=11))
    (tmp_path / "train.tsv").write_text(classify_data.tsv(train_rows), encoding="utf-8")
    lines = [line for _, line in test[:40]]
    (tmp_path / "a.log").write_text("\n".join(lines[:25]) + "\n", encoding="utf-8")
    (tmp_path / "b.log").write_text("\r\n".join(lines[25:]), encoding="utf-8")  # CRLF, no final line end
    model = tmp_path / "model.json"
    for extra in ([], ["--ngrams", "2"], ["--baseline", "bayes"]):
        done = stackgen("classify", "train", str(tmp_path / "train.tsv"), "-o", str(model), *extra)
        assert done.returncode == 0, done.stderr
        assert f"wrote {model}" in done.stdout
        clf = load(model)
        applied = stackgen("classify", "apply", str(model), str(tmp_path / "a.log"), str(tmp_path / "b.log"))
        assert applied.returncode == 0, applied.stderr
        out = applied.stdout.splitlines()
        assert len(out) == len(lines)
        for text, line in zip(out, lines):
            category, scores = clf.classify(line)
            assert json.loads(text) == {"category": category, "scores": {c: round(s, 6) for c, s in scores.items()}}
            assert list(json.loads(text)) == ["category", "scores"]
            assert list(json.loads(text)["scores"]) == sorted(scores)
        piped = stackgen("classify", "apply", str(model), stdin="\n".join(lines[:5]) + "\n")
        assert piped.returncode == 0 and piped.stdout.splitlines() == out[:5]
    # the same data gives a byte-identical model through the CLI too
    first = model.read_bytes()
    assert stackgen("classify", "train", str(tmp_path / "train.tsv"), "-o", str(model), "--baseline", "bayes").returncode == 0
    assert model.read_bytes() == first


@pytest.mark.parametrize("content, where, message", [
    ("normal\tok line\nnormal\tfine\nno tab on this line\n", 3, "no tab"),
    ("normal\tok\n\tempty category\n", 2, "empty category"),
    ("normal\tok\n  \tspaces only\n", 2, "empty category"),
])
def test_a_bad_training_line_is_a_usage_error_naming_file_and_line_and_writes_no_model(tmp_path, content, where,
                                                                                        message):
    tsv = tmp_path / "bad.tsv"
    tsv.write_text(content, encoding="utf-8")
    model = tmp_path / "model.json"
    done = stackgen("classify", "train", str(tsv), "-o", str(model))
    assert done.returncode == 2
    assert f"{tsv}:{where}: {message}" in done.stderr
    assert not model.exists() and list(tmp_path.iterdir()) == [tsv]
    model.write_text("previous", encoding="utf-8")  # an existing model is left as it was
    assert stackgen("classify", "train", str(tsv), "-o", str(model)).returncode == 2
    assert model.read_text(encoding="utf-8") == "previous"


def test_cli_usage_errors_exit_2(tmp_path):
    (tmp_path / "t.tsv").write_text("a\tx\n", encoding="utf-8")
    assert stackgen("classify", "train", str(tmp_path / "t.tsv"), "-o", str(tmp_path / "m.json"),
                    "--ngrams", "2", "--baseline", "bayes").returncode == 2
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    done = stackgen("classify", "apply", str(tmp_path / "bad.json"))
    assert done.returncode == 2 and str(tmp_path / "bad.json") in done.stderr
    assert stackgen("classify", "apply", str(tmp_path / "none.json")).returncode == 2
    assert stackgen("classify").returncode == 2


def test_the_generator_is_seeded_and_its_split_fixed():
    rows = classify_data.generate(400, seed=5)
    assert rows == classify_data.generate(400, seed=5) and rows != classify_data.generate(400, seed=6)
    train_rows, test = classify_data.split(rows)
    assert len(test) == 100 and test[0] == rows[3] and train_rows[3] == rows[4]
    assert {c for c, _ in rows} == set(classify_data.CATEGORIES)


def test_both_methods_beat_chance_on_the_generated_lines_and_ngrams_help():
    train_rows, test = classify_data.split(classify_data.generate(6000, seed=7))
    majority = max(sum(c == k for c, _ in test) for k in classify_data.CATEGORIES) / len(test)

    def accuracy(clf) -> float:
        return sum(clf.classify(line)[0] == c for c, line in test) / len(test)

    plain, trigrams = accuracy(train(train_rows)), accuracy(train(train_rows, ngrams=3))
    bayes = accuracy(train(train_rows, method="naive-bayes"))
    assert majority < 0.45
    assert plain > majority + 0.3 and bayes > majority + 0.3
    assert trigrams > plain + 0.03
    assert max(plain, trigrams, bayes) < 1.0  # the data is not trivially separable


def test_a_byte_order_mark_is_not_part_of_the_first_category(tmp_path):
    from stackgen.classify.commands import read_tsv

    tsv = tmp_path / "bom.tsv"
    tsv.write_bytes("\ufeffattack\tFailed password for root\nnormal\tAccepted publickey for bob\n".encode())
    assert [category for category, _ in read_tsv(tsv)] == ["attack", "normal"]


@pytest.mark.parametrize("change", [{"lines": [0, 1]}, {"features": {}}])
def test_a_model_that_cannot_classify_is_refused_when_loaded(change):
    document = json.loads(train([("a", "one two"), ("b", "three four")], method="naive-bayes").to_json())
    with pytest.raises(UsageError):
        loads(json.dumps({**document, **change}))
