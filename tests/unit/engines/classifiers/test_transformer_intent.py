"""The transformers backend trains on CPU from scratch, learns, and fine-tunes a local checkpoint."""
from collections import Counter

import pytest

from engines.classifiers import ClassifierError, read_tsv
from engines.classifiers.transformer import TransformerIntentClassifier
from streams.settings import REPO_DIR

DATA = REPO_DIR / "data" / "intents"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    out = tmp_path_factory.mktemp("intent-transformer")
    TransformerIntentClassifier.train(read_tsv(DATA / "train.tsv"), out, epochs=8, progress=False)
    return out


def accuracy(clf, rows):
    results = clf.classify_batch([t for _, t in rows])
    return sum(r.label == g for r, (g, _) in zip(results, rows, strict=True)) / len(rows)


def test_scratch_model_beats_the_majority_baseline_by_far(scratch):
    dev = read_tsv(DATA / "dev.tsv")
    majority = Counter(g for g, _ in read_tsv(DATA / "train.tsv")).most_common(1)[0][0]
    baseline = sum(g == majority for g, _ in dev) / len(dev)
    clf = TransformerIntentClassifier.load(scratch)
    assert baseline < 0.15
    assert accuracy(clf, dev) >= 0.85
    result = clf.classify("我的信用卡额度太低了")
    assert result.engine == "transformer" and 0 < result.confidence <= 1
    assert abs(sum(result.probabilities.values()) - 1) < 1e-3


def test_fine_tunes_from_a_local_checkpoint_directory(scratch, tmp_path):
    rows = read_tsv(DATA / "train.tsv")[:600]
    tuned = TransformerIntentClassifier.train(rows, tmp_path / "tuned", init_from=scratch, epochs=1,
                                              progress=False)
    # Starting from a trained checkpoint, one short epoch keeps it far above chance.
    assert accuracy(tuned, read_tsv(DATA / "dev.tsv")) >= 0.7


def test_init_from_must_be_a_checkpoint(tmp_path):
    with pytest.raises(ClassifierError, match="config.json"):
        TransformerIntentClassifier.train([("other", "你好")] * 20, tmp_path / "x", init_from=tmp_path)
