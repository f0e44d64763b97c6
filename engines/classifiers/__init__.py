"""Intent classifiers: one Protocol, several backends."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

INTENT_LABELS = (
    "loan_inquiry", "repayment_calc", "wealth_inquiry", "wealth_calc", "risk_assessment",
    "account_query", "credit_card", "card_security", "transfer", "insurance", "complaint",
    "human_agent", "other",
)


@dataclass(frozen=True)
class IntentResult:
    label: str
    confidence: float
    engine: str


class IntentClassifier(Protocol):
    name: str

    def classify(self, text: str) -> IntentResult: ...
