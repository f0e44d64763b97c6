"""Business tasks and the inputs each calculation takes; how a relative change applies to a held slot."""
from __future__ import annotations

import re
from decimal import Decimal

# A word of borrowing: what makes figures a loan's rather than another calculation's.
LOAN_WORD = re.compile(r"贷|借")

# Inputs that belong to one calculation: saying one of a group replaces the held slots of the others.
TOOL_SLOT_GROUPS = {
    "pre_approval": ("pre_approval",),
    "max_principal": ("monthly_budget",),
    "prepayment": ("prepayment", "paid_months", "prepay_mode"),
    "card_instalment": ("bill_amount", "instalment_periods", "fee_rate"),
    "deposit": ("deposit_amount", "deposit_months", "deposit_kind", "deposit_rate"),
    "reference_return": ("invest_amount", "hold_days", "expected_rate"),
    "compound": ("compound_principal", "compound_rate", "compound_years", "compound_per_year"),
    "redemption": ("redeem_amount", "redeem_fee_rate", "fund_nav"),
    "subscription": ("subscribe_amount", "subscribe_fee_rate"),
}


def _fmt(value: Decimal) -> str:
    value = value.normalize()
    return str(int(value)) if value == value.to_integral_value() else format(value, "f")


def apply_change(current: str | None, change: str) -> str | None:
    """Resolve ``*0.5`` / ``+50000`` / ``-12`` against the current value; None if there is none."""
    if current is None:
        return None
    base = Decimal(current)
    op, value = change[0], Decimal(change[1:])
    result = base * value if op == "*" else base + value if op == "+" else base - value
    return _fmt(result.quantize(Decimal(1))) if result > 0 else None


def rest_of_price(slots: dict[str, str]) -> str | None:
    """"车价30万，首付10万，剩下的贷款": the price less the down payment; None unless both are known."""
    if "item_price" not in slots or "down_payment" not in slots:
        return None
    return apply_change(slots["item_price"], "-" + slots["down_payment"])


def shift_points(current: str | None, change: str) -> str | None:
    """"利率再低0.3个点": a rate moved by percentage points (``+0.2`` / ``-0.3``); None without one or
    at or below zero. Unlike ``apply_change`` it keeps decimals."""
    if current is None:
        return None
    result = Decimal(current) + (Decimal(change[1:]) if change[0] == "+" else -Decimal(change[1:]))
    return _fmt(result) if result > 0 else None
