"""The learned layer of the compliance gate: a sentence classifier trained on the project's own
labelled training set (``data/compliance/train.tsv``; never on the evaluation sets).

It reuses the linear text classifier of the intent stage with the compliance normaliser, so the
same obfuscation removal applies before features are taken.
"""
from __future__ import annotations

from pathlib import Path

from engines.classifiers import read_tsv
from engines.classifiers.linear import LinearIntentClassifier
from streams.settings import REPO_DIR

TRAIN_TSV = REPO_DIR / "data" / "compliance" / "train.tsv"


class SentenceViolationModel:
    def __init__(self, classifier: LinearIntentClassifier) -> None:
        self.classifier = classifier

    def violation_probabilities(self, sentences: list[str]) -> list[float]:
        return [r.probabilities.get("violation", 0.0) for r in self.classifier.classify_batch(sentences)]

    @classmethod
    def load(cls, path: Path) -> SentenceViolationModel:
        return cls(LinearIntentClassifier.load(path))


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """``violation|clean<TAB>reply`` rows (the QUALITY.md compliance format)."""
    return read_tsv(path, ("violation", "clean"))


def train(path: Path = TRAIN_TSV) -> LinearIntentClassifier:
    return LinearIntentClassifier.train(read_labelled(path), "hybrid", normaliser="compliance")
