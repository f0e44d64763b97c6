"""Intent classifiers: one Protocol, several backends, chosen by settings and loaded lazily."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from contracts.errors import PipelineError

INTENT_LABELS = (
    "loan_inquiry", "repayment_calc", "wealth_inquiry", "wealth_calc", "risk_assessment",
    "account_query", "credit_card", "card_security", "transfer", "insurance", "complaint",
    "human_agent", "other",
)
BACKENDS = ("hybrid", "ngram", "transformer", "keyword")


class ClassifierError(PipelineError):
    """A model is missing, stale or cannot be loaded."""


@dataclass(frozen=True)
class IntentResult:
    label: str
    confidence: float  # probability of ``label``
    engine: str
    probabilities: dict[str, float] = field(default_factory=dict, compare=False)


class IntentClassifier(Protocol):
    name: str

    def classify(self, text: str) -> IntentResult: ...

    def classify_batch(self, texts: list[str]) -> list[IntentResult]: ...


def read_tsv(path: Path, labels: tuple[str, ...] = INTENT_LABELS) -> list[tuple[str, str]]:
    """``label<TAB>text`` rows (QUALITY.md formats); raises on unknown labels or malformed lines."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        if not sep or label not in labels:
            raise ClassifierError(f"{path}:{n}: want '<label>\\t<text>' with a known label, got {line[:60]!r}")
        rows.append((label, text))
    return rows


def load_classifier(backend: str, model_dir: Path) -> IntentClassifier:
    """The classifier for ``backend``, loaded from ``model_dir`` (trained by ``streams.train``)."""
    if backend == "keyword":
        from engines.classifiers.keyword import KeywordIntentClassifier

        return KeywordIntentClassifier()
    if backend in ("hybrid", "ngram"):
        from engines.classifiers.linear import LinearIntentClassifier

        return LinearIntentClassifier.load(model_dir)
    if backend == "transformer":
        from engines.classifiers.transformer import TransformerIntentClassifier

        return TransformerIntentClassifier.load(model_dir)
    raise ClassifierError(f"unknown intent backend {backend!r}; choose from {', '.join(BACKENDS)}")
