"""The trained intent backends learn, generalise and give probabilities."""
from collections import Counter
from pathlib import Path

import pytest

from engines.classifiers import INTENT_LABELS, ClassifierError, load_classifier, read_tsv
from engines.classifiers.linear import LinearIntentClassifier
from streams.settings import REPO_DIR
from streams.train import model_dir, train_backend

DATA = REPO_DIR / "data" / "intents"


def macro_f1(clf, rows):
    from benchmarks.quality import per_class_f1

    table = per_class_f1([g for g, _ in rows], [r.label for r in clf.classify_batch([t for _, t in rows])])
    return sum(f for _, _, f, _ in table.values()) / len(table)


@pytest.fixture(scope="module")
def default_model():
    """The model `make setup` trains (a no-op here when it is up to date)."""
    return load_classifier("hybrid", train_backend("hybrid"))


def test_corpus_has_150_examples_per_label_and_disjoint_splits():
    splits = {s: read_tsv(DATA / f"{s}.tsv") for s in ("train", "dev", "test")}
    counts = Counter(label for rows in splits.values() for label, _ in rows)
    assert set(counts) == set(INTENT_LABELS) and min(counts.values()) >= 150
    train = {t for _, t in splits["train"]}
    assert not train & {t for _, t in splits["dev"]} and not train & {t for _, t in splits["test"]}


def test_default_model_meets_the_bar_on_test_and_independent_holdout(default_model):
    assert macro_f1(default_model, read_tsv(DATA / "test.tsv")) >= 0.93
    assert macro_f1(default_model, read_tsv(DATA / "holdout_independent.tsv")) >= 0.90


def test_confidence_is_a_probability(default_model):
    for result in default_model.classify_batch(["信用卡额度怎么提", "嗯", "我要投诉你们乱扣费"]):
        assert 0.0 <= result.confidence <= 1.0
        assert abs(sum(result.probabilities.values()) - 1.0) < 1e-3
        assert result.probabilities[result.label] == result.confidence
    clear = default_model.classify("我的银行卡丢了，快帮我挂失")
    assert clear.label == "card_security" and clear.confidence >= 0.85


def test_ngram_backend_trains_and_round_trips(tmp_path):
    rows = read_tsv(DATA / "train.tsv")
    clf = LinearIntentClassifier.train(rows, "ngram")
    clf.save(tmp_path, "digest")
    again = load_classifier("ngram", tmp_path)
    assert macro_f1(again, read_tsv(DATA / "dev.tsv")) >= 0.9
    assert again.classify("转人工").label == "human_agent"


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ClassifierError, match="make models"):
        load_classifier("hybrid", tmp_path / "nothing")
    with pytest.raises(ClassifierError, match="unknown intent backend"):
        load_classifier("bert-large", tmp_path)


def test_bad_tsv_is_rejected(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("loan_inquiry\t我想贷款\nnot_a_label\t你好\n", encoding="utf-8")
    with pytest.raises(ClassifierError, match="bad.tsv:2"):
        read_tsv(bad)


def test_model_dir_defaults_under_run_dir():
    assert model_dir("ngram").name == "intent-ngram"
    assert isinstance(model_dir("hybrid"), Path)
