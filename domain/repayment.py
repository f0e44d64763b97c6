"""Loan repayment maths in Decimal, exact to the fen (等额本息, 等额本金, prepayment, affordability).

Conventions, as Chinese loan contracts state them:

- Monthly rate r = annual rate % / 1200, kept unrounded (Decimal, 28 significant digits).
- Every billed amount is rounded half-up (ROUND_HALF_UP) to the fen, once, where it is billed.
- 等额本息 (equal instalment): M = P·r·(1+r)^n / ((1+r)^n − 1), rounded; M = P/n when r = 0.
  Each month: interest = balance × r (rounded), principal = M − interest.
- 等额本金 (equal principal): principal part p = P/n (rounded); interest = balance × r (rounded);
  payment = p + interest, so it falls by about p·r a month.
- Under both methods the last instalment repays the remaining balance exactly: it absorbs the
  rounding residue and may differ from the regular amount by a few fen. Totals sum the schedule.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
METHOD_NAMES = {EQUAL_INSTALMENT: "等额本息", EQUAL_PRINCIPAL: "等额本金"}
SHORTEN_TERM = "shorten_term"  # keep the payment, shorten the term (缩短期限)
REDUCE_PAYMENT = "reduce_payment"  # keep the term, lower the payment (减少月供)
MODE_NAMES = {SHORTEN_TERM: "缩短还款期限、月供基本不变", REDUCE_PAYMENT: "还款期限不变、减少月供"}


def to_fen(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the fen."""
    return value.quantize(FEN, ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """Thousands separators and two decimals, rounded half-up: 8964.36 -> '8,964.36'."""
    return f"{to_fen(Decimal(value)):,.2f}"


def percent(value: Decimal) -> str:
    """A rate as written by a person: Decimal('4.80') -> '4.8', Decimal('100') -> '100'."""
    return format(Decimal(value).normalize(), "f")


@dataclass(frozen=True)
class InstalmentPlan:
    monthly_payment: Decimal
    last_payment: Decimal
    total_interest: Decimal
    total_payment: Decimal


@dataclass(frozen=True)
class ScheduleRow:
    period: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal  # outstanding after this period's payment


@dataclass(frozen=True)
class EqualPrincipalPlan:
    principal_part: Decimal  # P/n rounded; the last period takes the residue
    first_payment: Decimal
    last_payment: Decimal
    monthly_decrease: Decimal  # nominal p·r rounded; rounding can move one month's step by a fen
    total_interest: Decimal
    total_payment: Decimal


@dataclass(frozen=True)
class PrepaymentResult:
    method: str
    mode: str
    paid_instalments: int
    prepayment: Decimal
    balance_before: Decimal  # outstanding after the paid instalments, before the prepayment
    balance_after: Decimal
    old_payment: Decimal  # next instalment had nothing been prepaid
    new_payment: Decimal  # first instalment of the new schedule; 0 when the loan is paid off
    old_remaining_months: int
    new_remaining_months: int
    interest_saved: Decimal
    new_schedule: tuple[ScheduleRow, ...]


def _method(method: str) -> str:
    aliases = {"等额本息": EQUAL_INSTALMENT, "等额本金": EQUAL_PRINCIPAL}
    method = aliases.get(method, method)
    if method not in METHOD_NAMES:
        raise ValueError(f"unknown repayment method {method!r}")
    return method


def _validate(principal: Decimal, annual_rate_percent: Decimal, months: int) -> None:
    if principal <= 0 or months <= 0 or annual_rate_percent < 0:
        raise ValueError("principal and months must be positive and the rate non-negative")
    if to_fen(principal) != principal:
        raise ValueError("principal must be a whole number of fen")


def _monthly_rate(annual_rate_percent: Decimal) -> Decimal:
    return Decimal(annual_rate_percent) / Decimal(1200)


def annuity_payment(principal: Decimal, annual_rate_percent: Decimal, months: int) -> Decimal:
    """The regular 等额本息 payment M = P·r·(1+r)^n / ((1+r)^n − 1), rounded half-up to the fen."""
    _validate(principal, annual_rate_percent, months)
    r = _monthly_rate(annual_rate_percent)
    if r == 0:
        return to_fen(principal / months)
    growth = (1 + r) ** months
    return to_fen(principal * r * growth / (growth - 1))


def repayment_schedule(principal: Decimal, annual_rate_percent: Decimal, months: int,
                       method: str = EQUAL_INSTALMENT) -> list[ScheduleRow]:
    """Every instalment of the loan, the last one repaying the remaining balance exactly."""
    method = _method(method)
    _validate(principal, annual_rate_percent, months)
    r = _monthly_rate(annual_rate_percent)
    regular = (annuity_payment(principal, annual_rate_percent, months) if method == EQUAL_INSTALMENT
               else to_fen(principal / months))
    rows, balance = [], principal
    for period in range(1, months + 1):
        interest = to_fen(balance * r)
        if period == months:
            part = balance
        elif method == EQUAL_INSTALMENT:
            part = min(max(regular - interest, Decimal(0)), balance)
        else:
            part = min(regular, balance)
        balance -= part
        rows.append(ScheduleRow(period, part + interest, part, interest, balance))
    return rows


def equal_instalment(principal: Decimal, annual_rate_percent: Decimal, months: int) -> InstalmentPlan:
    """等额本息 summary: regular payment, the schedule's last payment, and total interest by the textbook
    formula M·n − P (M unrounded: the figure a customer's own calculator gives)."""
    _validate(principal, annual_rate_percent, months)
    regular = annuity_payment(principal, annual_rate_percent, months)
    r = _monthly_rate(annual_rate_percent)
    exact = principal / months if r == 0 else principal * r * (1 + r) ** months / ((1 + r) ** months - 1)
    total_interest = to_fen(exact * months - principal)
    # The last instalment is the schedule's (it repays the balance exactly, so a budget check on the
    # schedule holds for the figure stated); it may differ from total − (n−1)·M by a fen or two.
    last = repayment_schedule(principal, annual_rate_percent, months, EQUAL_INSTALMENT)[-1].payment
    return InstalmentPlan(regular, last, total_interest, principal + total_interest)


def equal_principal(principal: Decimal, annual_rate_percent: Decimal, months: int) -> EqualPrincipalPlan:
    """等额本金 summary: first payment P/n + P·r rounded once (the textbook figure a customer's own
    calculator gives; the schedule rounds its two parts apart, so may differ by a fen), last payment,
    the monthly decrease p·r and totals."""
    rows = repayment_schedule(principal, annual_rate_percent, months, EQUAL_PRINCIPAL)
    part = to_fen(principal / months)
    # P·r·(n+1)/2, the textbook total: the sum of each month's interest on the declining balance
    total_interest = to_fen(principal * _monthly_rate(annual_rate_percent) * (months + 1) / 2)
    first = to_fen(principal / months + principal * _monthly_rate(annual_rate_percent))
    return EqualPrincipalPlan(part, first,
                              rows[-1].payment,
                              to_fen(part * _monthly_rate(annual_rate_percent)), total_interest,
                              principal + total_interest)


def _first_payment(balance: Decimal, annual_rate_percent: Decimal, months: int, method: str) -> Decimal:
    if method == EQUAL_INSTALMENT:
        return annuity_payment(balance, annual_rate_percent, months)
    return to_fen(balance / months) + to_fen(balance * _monthly_rate(annual_rate_percent))


def prepayment_savings(principal: Decimal, annual_rate_percent: Decimal, months: int,
                       method: str = EQUAL_INSTALMENT, *, paid_instalments: int, prepayment: Decimal,
                       mode: str) -> PrepaymentResult:
    """Interest saved by a partial prepayment made right after ``paid_instalments`` instalments.

    The balance B after k instalments comes from the original schedule; B' = B − prepayment is
    re-amortised with the same method and rate:

    - ``reduce_payment``: over the same remaining n − k months (lower payment);
    - ``shorten_term``: over the fewest months m whose first payment does not exceed the payment
      that was due next (payment kept as close as possible without rising, term shortened).

    Interest saved = interest of the original periods k+1..n − interest of the new schedule, both
    summed from fen-rounded schedules. Prepayment penalties (违约金), if any, are not included.
    """
    method = _method(method)
    if mode not in MODE_NAMES:
        raise ValueError(f"unknown prepayment mode {mode!r}")
    rows = repayment_schedule(principal, annual_rate_percent, months, method)
    if not 0 <= paid_instalments < months:
        raise ValueError("paid_instalments must be between 0 and months − 1")
    balance = rows[paid_instalments - 1].balance if paid_instalments else principal
    if prepayment <= 0 or to_fen(prepayment) != prepayment or prepayment > balance:
        raise ValueError("prepayment must be positive, in whole fen and at most the outstanding balance")
    remaining = months - paid_instalments
    old_interest = sum((row.interest for row in rows[paid_instalments:]), Decimal(0))
    old_payment = rows[paid_instalments].payment
    rest = balance - prepayment
    if rest == 0:
        return PrepaymentResult(method, mode, paid_instalments, prepayment, balance, rest, old_payment,
                                Decimal(0), remaining, 0, old_interest, ())
    term = remaining
    if mode == SHORTEN_TERM:
        # The first payment falls as the term grows, so bisect for the shortest term that fits.
        lo, hi = 1, remaining
        while lo < hi:
            mid = (lo + hi) // 2
            if _first_payment(rest, annual_rate_percent, mid, method) <= old_payment:
                hi = mid
            else:
                lo = mid + 1
        term = lo
    new_rows = tuple(repayment_schedule(rest, annual_rate_percent, term, method))
    new_interest = sum((row.interest for row in new_rows), Decimal(0))
    return PrepaymentResult(method, mode, paid_instalments, prepayment, balance, rest, old_payment,
                            new_rows[0].payment, remaining, term, old_interest - new_interest, new_rows)


def max_principal(budget: Decimal, annual_rate: Decimal, months: int, method: str = EQUAL_INSTALMENT,
                  step: Decimal = Decimal(100)) -> Decimal:
    """The largest principal (a whole multiple of ``step`` yuan) whose every instalment fits ``budget``.

    Closed form first — 等额本息: P = B·((1+r)^n − 1) / (r·(1+r)^n), or B·n when r = 0; 等额本金:
    the first payment binds, P = B / (1/n + r) — floored to ``step``, then checked against the exact
    fen-rounded schedule: stepped up while one more step still fits, down while an instalment is
    above ``budget``.
    """
    method = _method(method)
    if budget <= 0 or months <= 0:
        return Decimal(0)
    r = _monthly_rate(annual_rate)
    if method == EQUAL_PRINCIPAL:
        exact = budget / (Decimal(1) / months + r)
    elif r == 0:
        exact = budget * months
    else:
        growth = (1 + r) ** months
        exact = budget * (growth - 1) / (r * growth)
    def fits(amount: Decimal) -> bool:
        return max(row.payment for row in repayment_schedule(amount, annual_rate, months, method)) <= budget

    candidate = (exact / step).to_integral_value(ROUND_FLOOR) * step
    while fits(candidate + step):  # fen rounding can leave room for one more step
        candidate += step
    while candidate > 0 and not fits(candidate):
        candidate -= step
    return max(candidate, Decimal(0))


def render_equal_principal(principal: Decimal, annual_rate_percent: Decimal, months: int) -> str:
    """Chinese summary of a 等额本金 plan with exact amounts."""
    plan = equal_principal(principal, annual_rate_percent, months)
    return (f"按等额本金计算：贷款{yuan(principal)}元，年化利率{percent(annual_rate_percent)}%，分{months}期，"
            f"首月还款{yuan(plan.first_payment)}元，之后每月约递减{yuan(plan.monthly_decrease)}元，"
            f"末期还款{yuan(plan.last_payment)}元，总利息{yuan(plan.total_interest)}元。实际以合同约定为准。")


def render_prepayment(result: PrepaymentResult) -> str:
    """Chinese summary of a prepayment calculation with exact amounts."""
    when = f"已还{result.paid_instalments}期后" if result.paid_instalments else "首期还款前"
    head = (f"{when}提前还款{yuan(result.prepayment)}元"
            f"（{METHOD_NAMES[result.method]}，提前还款前剩余本金{yuan(result.balance_before)}元）")
    if result.new_remaining_months == 0:
        body = f"，贷款即全部结清，可少付利息{yuan(result.interest_saved)}元"
    else:
        label = "月供" if result.method == EQUAL_INSTALMENT else "下期还款"
        body = (f"，按{MODE_NAMES[result.mode]}的方式：{label}由{yuan(result.old_payment)}元"
                f"变为{yuan(result.new_payment)}元，"
                + (f"剩余期限由{result.old_remaining_months}期缩短为{result.new_remaining_months}期"
                   if result.new_remaining_months < result.old_remaining_months
                   else f"剩余期限仍为{result.new_remaining_months}期")
                + f"，可少付利息{yuan(result.interest_saved)}元")
    return head + body + "。以上未计提前还款违约金（如有），实际以贷款合同和银行系统计算为准。"
