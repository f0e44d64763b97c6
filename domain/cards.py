"""Credit-card instalment (信用卡分期) fees and their annualised rate, exact to the fen.

Chinese banks charge the fee on the ORIGINAL principal every period, although the outstanding
principal falls each month, so the true annualised cost is close to twice 12 × the period rate.

- Principal per period p = P/n, rounded half-up to the fen; the last period absorbs the residue.
- ``per_period`` (分期收取): fee per period f = P × period rate, rounded; total fee = f·n.
- ``upfront`` (一次性收取): total fee = P × period rate × n, rounded once, billed with the first
  instalment (no fee afterwards).
- Annualised rate (the disclosure PBoC 公告〔2021〕第3号 requires): the monthly internal rate of
  return i solving P = Σ payment_t / (1+i)^t, found by bisection in Decimal; reported as 12·i
  (IRR method, 年化利率) rounded half-up to 0.01%; the compound (1+i)^12 − 1 is given as well.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.repayment import percent, to_fen, yuan

PER_PERIOD = "per_period"  # 分期收取
UPFRONT = "upfront"  # 一次性收取
FEE_MODE_NAMES = {PER_PERIOD: "分期收取", UPFRONT: "一次性收取"}
BASIS_POINT = Decimal("0.01")


@dataclass(frozen=True)
class CardInstalmentRow:
    period: int
    principal: Decimal
    fee: Decimal
    payment: Decimal


@dataclass(frozen=True)
class CardInstalment:
    principal: Decimal
    periods: int
    fee_rate_percent: Decimal  # per period
    fee_mode: str
    principal_per_period: Decimal
    last_principal: Decimal
    fee_per_period: Decimal  # 0 in upfront mode
    total_fee: Decimal
    apr_percent: Decimal  # 12 × monthly IRR, to 0.01%
    effective_annual_percent: Decimal  # (1 + monthly IRR)^12 − 1, to 0.01%
    schedule: tuple[CardInstalmentRow, ...]


def _npv(rate: Decimal, amount: Decimal, payments: list[Decimal]) -> Decimal:
    factor, total = Decimal(1) + rate, Decimal(0)
    discount = Decimal(1)
    for payment in payments:
        discount /= factor
        total += payment * discount
    return total - amount


def monthly_irr(amount: Decimal, payments: list[Decimal]) -> Decimal:
    """The monthly rate i with amount = Σ payment_t / (1+i)^t (t = 1..n), by bisection to ~1e-25."""
    if amount <= 0 or not payments or any(p < 0 for p in payments):
        raise ValueError("amount must be positive and payments non-negative")
    if sum(payments) < amount:
        raise ValueError("payments repay less than the amount: no non-negative rate")
    lo, hi = Decimal(0), Decimal(1)
    while _npv(hi, amount, payments) > 0:  # the NPV falls as the rate rises; widen until it is negative
        hi *= 2
    for _ in range(90):
        mid = (lo + hi) / 2
        if _npv(mid, amount, payments) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def annualised_rates(amount: Decimal, payments: list[Decimal]) -> tuple[Decimal, Decimal]:
    """(12·i, (1+i)^12 − 1) in percent, rounded half-up to 0.01%, for the monthly IRR i."""
    i = monthly_irr(amount, payments)
    apr = (i * 1200).quantize(BASIS_POINT, ROUND_HALF_UP)
    effective = (((1 + i) ** 12 - 1) * 100).quantize(BASIS_POINT, ROUND_HALF_UP)
    return apr, effective


def card_instalment(principal: Decimal, periods: int, fee_rate_percent: Decimal,
                    fee_mode: str = PER_PERIOD) -> CardInstalment:
    """Per-period principal and fee, total fee and annualised rate of a card instalment plan."""
    if fee_mode not in FEE_MODE_NAMES:
        raise ValueError(f"unknown fee mode {fee_mode!r}")
    if principal <= 0 or to_fen(principal) != principal or periods <= 0 or fee_rate_percent < 0:
        raise ValueError("principal (whole fen) and periods must be positive and the fee rate non-negative")
    rate = Decimal(fee_rate_percent) / 100
    part = to_fen(principal / periods)
    last = principal - part * (periods - 1)
    if part <= 0 or last <= 0:
        raise ValueError("principal too small to split into that many periods")
    if fee_mode == PER_PERIOD:
        fee = to_fen(principal * rate)
        fees = [fee] * periods
        total_fee = fee * periods
    else:
        fee = Decimal(0)
        total_fee = to_fen(principal * rate * periods)
        fees = [total_fee] + [Decimal(0)] * (periods - 1)
    parts = [part] * (periods - 1) + [last]
    rows = tuple(CardInstalmentRow(t, p, f, p + f) for t, (p, f) in enumerate(zip(parts, fees, strict=True), 1))
    apr, effective = annualised_rates(principal, [row.payment for row in rows])
    return CardInstalment(principal, periods, Decimal(fee_rate_percent), fee_mode, part, last, fee, total_fee,
                          apr, effective, rows)


def render_card_instalment(plan: CardInstalment) -> str:
    """Chinese summary with exact amounts and the annualised rate disclosure."""
    text = (f"信用卡分期{yuan(plan.principal)}元，分{plan.periods}期，每期手续费率{percent(plan.fee_rate_percent)}%"
            f"（{FEE_MODE_NAMES[plan.fee_mode]}）：每期本金{yuan(plan.principal_per_period)}元")
    if plan.last_principal != plan.principal_per_period:
        text += f"（末期{yuan(plan.last_principal)}元）"
    if plan.fee_mode == PER_PERIOD:
        text += f"，每期手续费{yuan(plan.fee_per_period)}元"
    else:
        text += "，手续费在首期一次性收取"
    return (text + f"，手续费合计{yuan(plan.total_fee)}元，折合年化利率约{plan.apr_percent:.2f}%"
            f"（按内部收益率法计算，手续费按分期本金总额计收）。实际以账单和分期页面为准。")
