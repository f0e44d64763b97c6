"""Every sentence the assistant says in its own fixed words (prompts, repair replies, openers,
二次确认), so the compliance gate's training can count them as clean and a test can check that
the gate lets each through untouched: a gate that flags the bot's own prompt breaks the conversation."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

from agents.generation.flows.card import CARD_PROMPT, CARD_SLOTS
from agents.generation.flows.loan import (
    BUDGET_PROMPT,
    BUDGET_SLOTS,
    LOAN_SLOTS,
    PREPAYMENT_PROMPT,
    PREPAYMENT_SLOTS,
    PRODUCT_PROMPT,
    REPAYMENT_PROMPT,
)
from agents.generation.flows.wealth import (
    COMPOUND_PROMPT,
    COMPOUND_SLOTS,
    DEPOSIT_KINDS,
    DEPOSIT_PROMPT,
    REDEMPTION_PROMPT,
    REFERENCE_PROMPT,
    REFERENCE_SLOTS,
    SUBSCRIPTION_PROMPT,
    deposit_slots,
)
from agents.generation.logic import OPENERS
from agents.generation.repair import INTENT_NAMES, OUT_OF_SCOPE, SOCIAL_REPLIES, clarification
from domain.high_risk import APPROVED_TEXT, CANCELLED_TEXT, CONFIRM_TEXT, OP_NAMES, PENDING_TEXT


def _lists(names: list[str]) -> Iterator[str]:
    for n in range(1, len(names) + 1):
        for combo in itertools.combinations(names, n):
            yield "、".join(combo)


def fixed_texts() -> list[str]:
    texts = {*OPENERS.values(), *SOCIAL_REPLIES.values(), OUT_OF_SCOPE, clarification(None),
             *(clarification(intent) for intent in INTENT_NAMES), *PENDING_TEXT.values()}
    for op in OP_NAMES.values():
        texts |= {CONFIRM_TEXT.format(op=op), CANCELLED_TEXT.format(op=op), APPROVED_TEXT.format(op=op)}
    for template, labels in ((REPAYMENT_PROMPT, LOAN_SLOTS.values()), (PRODUCT_PROMPT, ["贷款用途", *LOAN_SLOTS.values()]),
                             (PREPAYMENT_PROMPT, PREPAYMENT_SLOTS.values()), (BUDGET_PROMPT, BUDGET_SLOTS.values())):
        texts |= {template.format(missing=missing) for missing in _lists(list(labels))}
    for template, labels in ((CARD_PROMPT, CARD_SLOTS.values()), (COMPOUND_PROMPT, COMPOUND_SLOTS.values()),
                             (REFERENCE_PROMPT, REFERENCE_SLOTS.values())):
        texts |= {template.format(missing=missing) for missing in _lists(list(labels))}
    for kind in DEPOSIT_KINDS:
        texts |= {DEPOSIT_PROMPT.format(kind=kind, missing=missing) for missing in _lists(list(deposit_slots(kind).values()))}
    texts |= {SUBSCRIPTION_PROMPT, REDEMPTION_PROMPT}
    return sorted(texts)


if __name__ == "__main__":  # python -m agents.generation.fixed_texts > data/compliance/train_own_prompts.tsv
    for text in fixed_texts():
        print(f"clean\t{text}")
