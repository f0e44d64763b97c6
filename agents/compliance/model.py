"""The learned layer of the compliance gate: a sentence classifier trained on the project's own
labelled training set (``data/compliance/train.tsv``; never on the evaluation sets).

It reuses the linear text classifier of the intent stage with the compliance normaliser, so the
same obfuscation removal applies before features are taken.
"""
from __future__ import annotations

from pathlib import Path

from agents.compliance.lexicon import default_lexicon
from domain.text import matching_form
from engines.classifiers import read_tsv
from engines.classifiers.linear import LinearIntentClassifier


class SentenceViolationModel:
    def __init__(self, classifier: LinearIntentClassifier) -> None:
        self.classifier = classifier

    def violation_probabilities(self, sentences: list[str]) -> list[float]:
        return [r.probabilities.get("violation", 0.0) for r in self.classifier.classify_batch(sentences)]

    @classmethod
    def load(cls, path: Path) -> SentenceViolationModel:
        return cls(LinearIntentClassifier.load(path, compliance_form))


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """``violation|clean<TAB>reply[<TAB>category]`` rows (the QUALITY.md compliance format); the
    category column, where there is one, is dropped."""
    return [(label, text.split("\t", 1)[0]) for label, text in read_tsv(path, ("violation", "clean"))]


def compliance_form(text: str) -> str:
    """De-obfuscated text plus one marker word per lexicon hit, negated or not, so the model learns
    when a banned phrase is a claim and when it is a warning."""
    markers = [("zzneg" if h.negated else "zzhit") + h.entry.category.replace("_", "")
               for h in default_lexicon().scan(text, include_negated=True)]
    return matching_form(text)[0] + (" " + " ".join(markers) if markers else "")


def train(*paths: Path) -> LinearIntentClassifier:
    rows = [row for path in paths for row in read_labelled(path)]
    return LinearIntentClassifier.train(rows, "hybrid", normaliser="compliance", form=compliance_form)
