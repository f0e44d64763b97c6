"""Deposit interest and an illustrative wealth-product reference amount, exact to the fen.

Conventions (simple interest, rounded half-up to the fen once, at maturity; no interest tax —
it has been suspended since 2008-10-09):

- 整存整取 (time deposit): interest = P × annual rate × months / 12 for whole-month terms, or
  P × annual rate × days / 360 for a day count (the banks' 日利率 = 年利率 / 360).
- 零存整取 (monthly instalment savings), the 'sum of balances' (月积数) method: depositing D at the
  start of each of n months, the balances sum to D·n(n+1)/2 month-units, so
  interest = D · n(n+1)/2 · annual rate / 12.
- Wealth products carry a performance benchmark, not a rate: the reference amount
  P × benchmark × days / 365 is only an illustration, always flagged and always disclaimed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.repayment import percent, to_fen, yuan

WEALTH_DISCLAIMER = "业绩比较基准不代表实际收益，理财非存款，产品有风险，投资须谨慎。"


@dataclass(frozen=True)
class DepositInterest:
    deposited: Decimal  # total paid in
    interest: Decimal
    maturity_amount: Decimal
    annual_rate_percent: Decimal
    term: str  # e.g. "24个月", "90天"


@dataclass(frozen=True)
class ReferenceReturn:
    """An illustration from a performance benchmark; ``illustrative`` and the disclaimer are fixed."""

    amount: Decimal
    days: int
    benchmark_low_percent: Decimal
    benchmark_high_percent: Decimal
    reference_low: Decimal
    reference_high: Decimal
    illustrative: bool = field(default=True, init=False)
    disclaimer: str = field(default=WEALTH_DISCLAIMER, init=False)


def _money(value: Decimal, what: str) -> Decimal:
    value = Decimal(value)
    if value <= 0 or to_fen(value) != value:
        raise ValueError(f"{what} must be positive and in whole fen")
    return value


def time_deposit(principal: Decimal, annual_rate_percent: Decimal, *, months: int | None = None,
                 days: int | None = None) -> DepositInterest:
    """整存整取: P × rate × months/12, or P × rate × days/360; give exactly one of the two."""
    principal = _money(principal, "principal")
    rate = Decimal(annual_rate_percent)
    if rate < 0 or (months is None) == (days is None):
        raise ValueError("a non-negative rate and exactly one of months or days are required")
    if months is not None:
        if months <= 0:
            raise ValueError("months must be positive")
        interest, term = to_fen(principal * rate * months / 1200), f"{months}个月"
    else:
        if days is None or days <= 0:
            raise ValueError("days must be positive")
        interest, term = to_fen(principal * rate * days / 36000), f"{days}天"
    return DepositInterest(principal, interest, principal + interest, rate, term)


def recurring_deposit(monthly_deposit: Decimal, annual_rate_percent: Decimal, months: int) -> DepositInterest:
    """零存整取: interest = D · n(n+1)/2 · rate/12 (sum of monthly balances × monthly rate)."""
    deposit = _money(monthly_deposit, "monthly deposit")
    rate = Decimal(annual_rate_percent)
    if rate < 0 or months <= 0:
        raise ValueError("a non-negative rate and a positive number of months are required")
    balance_months = deposit * months * (months + 1) / 2
    interest = to_fen(balance_months * rate / 1200)
    return DepositInterest(deposit * months, interest, deposit * months + interest, rate, f"{months}个月")


def reference_return(amount: Decimal, benchmark_percent: Decimal, days: int,
                     benchmark_high_percent: Decimal | None = None) -> ReferenceReturn:
    """Illustrative amount × benchmark × days / 365 (a range when the benchmark is a range)."""
    amount = _money(amount, "amount")
    low = Decimal(benchmark_percent)
    high = low if benchmark_high_percent is None else Decimal(benchmark_high_percent)
    if days <= 0 or low < 0 or high < low:
        raise ValueError("days must be positive and the benchmark a non-negative, ordered range")
    return ReferenceReturn(amount, days, low, high, to_fen(amount * low * days / 36500),
                           to_fen(amount * high * days / 36500))


def render_time_deposit(result: DepositInterest) -> str:
    return (f"整存整取{yuan(result.deposited)}元，存期{result.term}，年利率{percent(result.annual_rate_percent)}%，"
            f"到期利息{yuan(result.interest)}元，本息合计{yuan(result.maturity_amount)}元。"
            "提前支取的部分按活期利率计息，实际以存入时的挂牌利率为准。")


def render_recurring_deposit(result: DepositInterest) -> str:
    return (f"零存整取累计存入{yuan(result.deposited)}元，存期{result.term}，年利率{percent(result.annual_rate_percent)}%，"
            f"到期利息{yuan(result.interest)}元，本息合计{yuan(result.maturity_amount)}元。实际以存入时的挂牌利率为准。")


def render_reference_return(result: ReferenceReturn) -> str:
    if result.benchmark_low_percent == result.benchmark_high_percent:
        bench = f"{percent(result.benchmark_low_percent)}%"
        amount = f"{yuan(result.reference_low)}元"
    else:
        bench = f"{percent(result.benchmark_low_percent)}%–{percent(result.benchmark_high_percent)}%"
        amount = f"{yuan(result.reference_low)}元至{yuan(result.reference_high)}元"
    return (f"仅作示意：{yuan(result.amount)}元按业绩比较基准{bench}、持有{result.days}天测算，"
            f"参考金额约为{amount}（按365天计），实际收益以产品运作情况为准，可能低于业绩比较基准。{result.disclaimer}")


@dataclass(frozen=True)
class CompoundGrowth:
    principal: Decimal
    annual_rate_percent: Decimal
    years: int
    periods_per_year: int
    maturity_amount: Decimal
    interest: Decimal


PERIOD_NAMES = {1: "每年", 2: "每半年", 4: "每季度", 12: "每月"}


def compound_growth(principal: Decimal, annual_rate_percent: Decimal, years: int,
                    periods_per_year: int = 1) -> CompoundGrowth:
    """P × (1 + r/m)^(m·n), rounded to the fen once at the end (a calculation the customer asks for,
    with their own rate; no product compounds like this by itself)."""
    principal = _money(principal, "本金")
    if not (0 < years <= 50) or periods_per_year not in PERIOD_NAMES or annual_rate_percent <= 0:
        raise ValueError("years, compounding frequency or rate out of range")
    factor = (1 + annual_rate_percent / Decimal(100) / periods_per_year) ** (periods_per_year * years)
    maturity = to_fen(principal * factor)
    return CompoundGrowth(principal, annual_rate_percent, years, periods_per_year, maturity, maturity - principal)


def render_compound_growth(result: CompoundGrowth) -> str:
    return (f"按您提供的年利率{percent(result.annual_rate_percent)}%、{PERIOD_NAMES[result.periods_per_year]}复利计算："
            f"本金{yuan(result.principal)}元，{result.years}年后本息合计{yuan(result.maturity_amount)}元，"
            f"其中利息{yuan(result.interest)}元。仅为数学测算，实际收益以产品约定为准。")


def _check_fee_rate(fee_rate_percent: Decimal) -> None:
    if not (0 <= fee_rate_percent < 10):
        raise ValueError("fee rate out of range")


def subscription_fee(amount: Decimal, fee_rate_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(net subscription, fee) of buying a fund for ``amount`` at a front-end fee rate, by the rule every
    Chinese fund uses since 2007 (fee charged on top: net = amount / (1 + rate), fee = amount − net)."""
    amount = _money(amount, "申购金额")
    _check_fee_rate(fee_rate_percent)
    net = to_fen(amount / (1 + fee_rate_percent / Decimal(100)))
    return net, amount - net


def redemption_fee(amount: Decimal, fee_rate_percent: Decimal) -> Decimal:
    """The fee for redeeming ``amount`` at a stated fee rate: amount × rate, to the fen."""
    amount = _money(amount, "赎回金额")
    _check_fee_rate(fee_rate_percent)
    return to_fen(amount * fee_rate_percent / Decimal(100))
