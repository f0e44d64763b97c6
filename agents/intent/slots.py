"""Slot extraction for the skeleton: Arabic digits with units, a few Chinese numerals.

The understanding issue replaces this with full Chinese-numeral parsing; what is here is exact
for what it accepts and ignores the rest rather than guessing.
"""
from __future__ import annotations

import re
from decimal import Decimal

CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
AMOUNT_UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "千": 1_000, "k": 1_000, "K": 1_000, "元": 1, "块": 1}
PURPOSES = {"装修": "装修", "经营": "经营", "生意": "经营", "周转": "经营", "买车": "购车", "购车": "购车",
            "买房": "购房", "购房": "购房", "首付": "购房", "消费": "消费", "旅游": "消费", "教育": "教育",
            "学费": "教育", "留学": "教育"}

RATE = re.compile(r"(?:年化|利率)\s*(\d+(?:\.\d+)?)\s*%?|(\d+(?:\.\d+)?)\s*%")
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|W|千|k|K|元|块)")
TERM = re.compile(r"(\d+|[一二两三四五六七八九十])\s*(年|个月|期)(半)?")
CARD_LAST4 = re.compile(r"尾号\s*(\d{4})")


def extract_slots(text: str) -> dict[str, str]:
    """Slots found in one utterance, values normalised to strings (yuan, months, percent)."""
    slots: dict[str, str] = {}
    rest = text
    rate = RATE.search(rest)
    if rate:
        slots["annual_rate"] = str(Decimal(rate.group(1) or rate.group(2)).normalize())
        rest = rest[: rate.start()] + " " + rest[rate.end():]
    amount = AMOUNT.search(rest)
    if amount:
        value = Decimal(amount.group(1)) * AMOUNT_UNITS[amount.group(2)]
        slots["amount"] = str(int(value))
    term = TERM.search(rest)
    if term:
        n = int(term.group(1)) if term.group(1).isdigit() else CN_DIGITS[term.group(1)]
        years = term.group(2) == "年"
        slots["term_months"] = str(n * 12 + (6 if term.group(3) else 0) if years else n)
    elif "半年" in rest:
        slots["term_months"] = "6"
    for cue, purpose in PURPOSES.items():
        if cue in rest:
            slots["loan_purpose"] = purpose
            break
    card = CARD_LAST4.search(rest)
    if card:
        slots["card_last4"] = card.group(1)
    return slots
