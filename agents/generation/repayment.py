"""Equal-instalment (等额本息) loan maths in Decimal, rounded to the fen.

Monthly payment M = P·r·(1+r)^n / ((1+r)^n − 1), r = annual rate / 12, rounded half-up to the
fen. Each month's interest is the balance × r rounded to the fen; the last instalment pays the
remaining balance exactly, so it may differ from M by a few fen. Total interest sums the schedule.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True)
class InstalmentPlan:
    monthly_payment: Decimal
    last_payment: Decimal
    total_interest: Decimal
    total_payment: Decimal


def equal_instalment(principal: Decimal, annual_rate_percent: Decimal, months: int) -> InstalmentPlan:
    if principal <= 0 or months <= 0 or annual_rate_percent < 0:
        raise ValueError("principal and months must be positive and the rate non-negative")
    r = annual_rate_percent / Decimal(1200)
    if r == 0:
        monthly = (principal / months).quantize(FEN, ROUND_HALF_UP)
    else:
        growth = (1 + r) ** months
        monthly = (principal * r * growth / (growth - 1)).quantize(FEN, ROUND_HALF_UP)
    balance, total_interest, last = principal, Decimal(0), monthly
    for month in range(1, months + 1):
        interest = (balance * r).quantize(FEN, ROUND_HALF_UP)
        if month == months:
            last = balance + interest
            principal_part = balance
        else:
            principal_part = monthly - interest
        balance -= principal_part
        total_interest += interest
    return InstalmentPlan(monthly, last, total_interest, principal + total_interest)
