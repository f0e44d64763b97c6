"""Business tools of the generation stage, checked against independent computations.

The reference computations below use exact ``fractions.Fraction`` arithmetic and integer fen, a
different route from the Decimal code under test; the rest are hand-verified figures.
"""
import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from agents.compliance.lexicon import default_lexicon
from domain import preapproval
from domain.cards import PER_PERIOD, UPFRONT, card_instalment, monthly_irr, render_card_instalment
from domain.portfolio import (
    TARGET_ALLOCATION,
    diagnose,
    rebalance,
    render_diagnosis,
    render_rebalance,
    target_amounts,
)
from domain.repayment import (
    EQUAL_INSTALMENT,
    EQUAL_PRINCIPAL,
    REDUCE_PAYMENT,
    SHORTEN_TERM,
    equal_instalment,
    equal_principal,
    max_principal,
    prepayment_savings,
    render_equal_principal,
    render_prepayment,
    repayment_schedule,
    yuan,
)
from domain.risk import is_suitable, suitability_gap, suitable
from domain.savings import (
    WEALTH_DISCLAIMER,
    recurring_deposit,
    reference_return,
    render_recurring_deposit,
    render_reference_return,
    render_time_deposit,
    time_deposit,
)

CATALOGUE = [json.loads(line) for line in
             (Path(__file__).resolve().parents[3] / "data" / "knowledge" / "products.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
LEVELS = ("C1", "C2", "C3", "C4", "C5")
PROMISES = ("保本", "保证收益", "稳赚", "承诺收益", "零风险", "无风险", "保收益")


# --- independent reference: Fraction maths, amounts in integer fen --------------------------------

def half_up(x: Fraction) -> int:
    """Round a non-negative Fraction to the nearest integer, halves up."""
    return math.floor(x + Fraction(1, 2))


def ref_annuity(principal_yuan: int, annual_pct: Fraction, n: int) -> tuple[int, list[int], list[int], int]:
    """(monthly payment, interests, payments, remaining balance) in fen, 等额本息."""
    r = annual_pct / 1200
    g = (1 + r) ** n
    m = half_up(Fraction(principal_yuan * 100) * r * g / (g - 1))
    bal, interests, payments = principal_yuan * 100, [], []
    for k in range(n):
        i = half_up(bal * r)
        pay = bal + i if k == n - 1 else m
        interests.append(i)
        payments.append(pay)
        bal -= pay - i
    return m, interests, payments, bal


def ref_equal_principal(principal_fen: int, annual_pct: Fraction, n: int) -> tuple[list[int], list[int]]:
    """(interests, payments) in fen, 等额本金."""
    r = annual_pct / 1200
    part = half_up(Fraction(principal_fen, n))
    bal, interests, payments = principal_fen, [], []
    for k in range(n):
        p = bal if k == n - 1 else part
        i = half_up(bal * r)
        interests.append(i)
        payments.append(p + i)
        bal -= p
    return interests, payments


def fen(amount: int) -> Decimal:
    return Decimal(amount) / 100


def no_promises(text: str) -> None:
    assert not any(word in text for word in PROMISES), text
    assert default_lexicon().scan(text) == [], text


# --- repayment ---------------------------------------------------------------------------------------

def test_acceptance_300k_at_4_8_percent_over_36_months():
    plan = equal_instalment(Decimal(300000), Decimal("4.8"), 36)
    m, interests, payments, balance = ref_annuity(300000, Fraction(48, 10), 36)
    assert plan.monthly_payment == Decimal("8964.36") == fen(m)
    # The summary's total interest is the textbook M·n − P with M unrounded (what a customer's calculator
    # and the public spec give); the month-by-month schedule, each month's interest rounded, sums a fen less.
    r = Fraction(48, 10) / 1200
    exact = 300000 * r * (1 + r) ** 36 / ((1 + r) ** 36 - 1)
    assert plan.total_interest == fen(half_up((exact * 36 - 300000) * 100)) == Decimal("22716.79")
    assert fen(sum(interests)) == Decimal("22716.78") and balance == 0
    assert plan.last_payment == fen(payments[-1]) == Decimal("8964.18")  # the schedule's: it repays the balance
    assert plan.total_payment == Decimal("322716.79")
    rows = repayment_schedule(Decimal(300000), Decimal("4.8"), 36)
    # Hand-verified first rows: r = 0.004 exactly.
    assert (rows[0].interest, rows[0].principal, rows[0].balance) == (Decimal("1200.00"), Decimal("7764.36"),
                                                                      Decimal("292235.64"))
    assert (rows[1].interest, rows[1].principal, rows[1].balance) == (Decimal("1168.94"), Decimal("7795.42"),
                                                                      Decimal("284440.22"))
    assert [row.interest for row in rows] == [fen(i) for i in interests]


def test_well_known_mortgage_figures():
    # 100万、30年、4.9%: the figures every Chinese mortgage calculator shows.
    assert equal_instalment(Decimal(1000000), Decimal("4.9"), 360).monthly_payment == Decimal("5307.27")
    plan = equal_principal(Decimal(1000000), Decimal("4.9"), 360)
    assert plan.first_payment == Decimal("6861.11") and plan.monthly_decrease == Decimal("11.34")
    assert plan.principal_part == Decimal("2777.78")


@pytest.mark.parametrize("principal,rate,months", [
    (300000, "4.8", 36), (1000000, "4.9", 360), (12345.67, "3.65", 17), (100, "0", 3), (50000, "18.25", 1),
    (999999.99, "3.1", 240),
])
def test_schedules_match_the_reference_and_conserve_principal(principal, rate, months):
    p = Decimal(str(principal))
    ref_int, ref_pay = ref_equal_principal(int(p * 100), Fraction(rate), months)
    rows = repayment_schedule(p, Decimal(rate), months, EQUAL_PRINCIPAL)
    assert [row.interest for row in rows] == [fen(i) for i in ref_int]
    assert [row.payment for row in rows] == [fen(x) for x in ref_pay]
    for method in (EQUAL_INSTALMENT, EQUAL_PRINCIPAL):
        rows = repayment_schedule(p, Decimal(rate), months, method)
        assert sum(row.principal for row in rows) == p and rows[-1].balance == 0
        assert all(row.payment == row.principal + row.interest for row in rows)
        assert all(a.balance > b.balance for a, b in zip(rows, rows[1:], strict=False))
        assert [row.period for row in rows] == list(range(1, months + 1))
        regular = {row.payment if method == EQUAL_INSTALMENT else row.principal for row in rows[:-1]}
        assert len(regular) <= 1  # only the last instalment differs
        if rows[:-1]:
            last_part = rows[-1].principal if method == EQUAL_PRINCIPAL else rows[-1].payment
            assert abs(last_part - regular.pop()) <= Decimal("0.01") * months


def test_equal_instalment_schedule_matches_fraction_reference_for_a_fractional_principal():
    rows = repayment_schedule(Decimal("12345.67"), Decimal("3.65"), 17)
    r = Fraction(365, 120000)
    g = (1 + r) ** 17
    mm = half_up(Fraction(1234567) * r * g / (g - 1))
    bal = 1234567
    for row in rows[:-1]:
        i = half_up(bal * r)
        assert (row.interest, row.payment) == (fen(i), fen(mm))
        bal -= mm - i
    assert rows[-1].payment == fen(bal + half_up(bal * r))


def test_equal_principal_summary():
    plan = equal_principal(Decimal(300000), Decimal("4.8"), 36)
    ref_int, ref_pay = ref_equal_principal(30000000, Fraction(48, 10), 36)
    assert plan.first_payment == fen(ref_pay[0]) == Decimal("9533.33")  # 8333.33 + 1200.00
    assert plan.last_payment == fen(ref_pay[-1]) == Decimal("8366.78")  # 8333.45 (residue) + 33.33
    assert plan.total_interest == fen(sum(ref_int))
    # Unrounded, the interest is P·r·(n+1)/2 = 22,200; rounding moves it by at most half a fen a month.
    assert abs(plan.total_interest - Decimal(22200)) <= Decimal("0.005") * 36
    assert plan.monthly_decrease == Decimal("33.33")
    rows = repayment_schedule(Decimal(300000), Decimal("4.8"), 36, EQUAL_PRINCIPAL)
    steps = {a.payment - b.payment for a, b in zip(rows[:-2], rows[1:-1], strict=True)}
    assert steps <= {Decimal("33.32"), Decimal("33.33"), Decimal("33.34")}
    assert plan.total_interest < equal_instalment(Decimal(300000), Decimal("4.8"), 36).total_interest


def test_prepayment_reduce_payment_matches_the_reference():
    result = prepayment_savings(Decimal(300000), Decimal("4.8"), 36, EQUAL_INSTALMENT, paid_instalments=12,
                                prepayment=Decimal(50000), mode=REDUCE_PAYMENT)
    r = Fraction(48, 12000)
    m, interests, payments, _ = ref_annuity(300000, Fraction(48, 10), 36)
    bal = 30000000
    for k in range(12):
        bal -= payments[k] - interests[k]
    assert result.balance_before == fen(bal) and result.balance_after == fen(bal - 5000000)
    rest, g = bal - 5000000, (1 + r) ** 24
    new_m = half_up(rest * r * g / (g - 1))
    new_interest, b = 0, rest
    for k in range(24):
        i = half_up(b * r)
        new_interest += i
        b -= (b if k == 23 else new_m - i)
    assert result.old_payment == fen(m) and result.new_payment == fen(new_m)
    assert result.new_remaining_months == result.old_remaining_months == 24
    assert result.interest_saved == fen(sum(interests[12:]) - new_interest)
    assert sum(row.principal for row in result.new_schedule) == result.balance_after


@pytest.mark.parametrize("method", [EQUAL_INSTALMENT, EQUAL_PRINCIPAL])
def test_prepayment_shorten_term_keeps_the_payment_and_saves_more(method):
    args = (Decimal(1000000), Decimal("4.9"), 360, method)
    short = prepayment_savings(*args, paid_instalments=24, prepayment=Decimal(200000), mode=SHORTEN_TERM)
    reduce = prepayment_savings(*args, paid_instalments=24, prepayment=Decimal(200000), mode=REDUCE_PAYMENT)
    assert short.new_payment <= short.old_payment and short.new_remaining_months < 336
    # Minimal term: one month fewer would need a first payment above the old one (independent check).
    r = Fraction(49, 12000)
    rest, m = int(short.balance_after * 100), short.new_remaining_months - 1
    if method == EQUAL_INSTALMENT:
        g = (1 + r) ** m
        first = half_up(rest * r * g / (g - 1))
    else:
        first = half_up(Fraction(rest, m)) + half_up(rest * r)
    assert fen(first) > short.old_payment
    assert short.interest_saved > reduce.interest_saved > 0
    assert reduce.new_payment < reduce.old_payment and reduce.new_remaining_months == 336
    for res in (short, reduce):
        assert sum(row.principal for row in res.new_schedule) == res.balance_after == Decimal(
            res.balance_before) - 200000
    text = render_prepayment(short)
    assert yuan(short.interest_saved) in text and f"{short.new_remaining_months}期" in text
    no_promises(text)


def test_prepaying_everything_saves_all_remaining_interest():
    m, interests, payments, _ = ref_annuity(300000, Fraction(48, 10), 36)
    rows = repayment_schedule(Decimal(300000), Decimal("4.8"), 36)
    result = prepayment_savings(Decimal(300000), Decimal("4.8"), 36, paid_instalments=10,
                                prepayment=rows[9].balance, mode=SHORTEN_TERM)
    assert result.new_remaining_months == 0 and result.new_payment == 0 and result.new_schedule == ()
    assert result.interest_saved == fen(sum(interests[10:]))
    assert "结清" in render_prepayment(result)


@pytest.mark.parametrize("kwargs", [
    {"paid_instalments": 36, "prepayment": Decimal(1), "mode": SHORTEN_TERM},
    {"paid_instalments": -1, "prepayment": Decimal(1), "mode": SHORTEN_TERM},
    {"paid_instalments": 1, "prepayment": Decimal(0), "mode": SHORTEN_TERM},
    {"paid_instalments": 1, "prepayment": Decimal("0.001"), "mode": SHORTEN_TERM},
    {"paid_instalments": 1, "prepayment": Decimal(300000), "mode": SHORTEN_TERM},
    {"paid_instalments": 1, "prepayment": Decimal(1000), "mode": "skip_a_month"},
])
def test_prepayment_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        prepayment_savings(Decimal(300000), Decimal("4.8"), 36, **kwargs)


def test_bad_loans_are_rejected():
    for args in ((Decimal(0), Decimal(4), 12), (Decimal(100), Decimal(-1), 12), (Decimal(100), Decimal(4), 0),
                 (Decimal("100.001"), Decimal(4), 12)):
        with pytest.raises(ValueError):
            repayment_schedule(*args)
    with pytest.raises(ValueError):
        repayment_schedule(Decimal(100), Decimal(4), 12, "balloon")
    assert repayment_schedule(Decimal(100), Decimal(4), 12, "等额本金") == repayment_schedule(
        Decimal(100), Decimal(4), 12, EQUAL_PRINCIPAL)


@pytest.mark.parametrize("method", [EQUAL_INSTALMENT, EQUAL_PRINCIPAL])
@pytest.mark.parametrize("budget,rate,months", [
    ("8964.36", "4.8", 36), ("5000", "3.45", 360), ("1234.56", "0", 12), ("9533.33", "4.8", 36), ("300", "7.2", 60),
])
def test_max_principal_is_the_largest_affordable_multiple_of_100(method, budget, rate, months):
    b = Decimal(budget)
    p = max_principal(b, Decimal(rate), months, method)
    assert p % 100 == 0 and p > 0

    def worst(amount):
        return max(row.payment for row in repayment_schedule(amount, Decimal(rate), months, method))
    assert worst(p) <= b < worst(p + 100)


def test_max_principal_examples_and_preapproval_still_uses_it():
    assert max_principal(Decimal("8964.36"), Decimal("4.8"), 36) == 300000
    # 等额本金: the first payment binds; 9,533.33 is exactly the first payment of 300,000.
    assert max_principal(Decimal("9533.33"), Decimal("4.8"), 36, EQUAL_PRINCIPAL) == 300000
    assert max_principal(Decimal("9533.32"), Decimal("4.8"), 36, EQUAL_PRINCIPAL) == 299900
    assert max_principal(Decimal(0), Decimal("4.8"), 36) == 0
    assert preapproval.max_principal is max_principal


def test_repayment_renderers_show_exact_amounts():
    text = render_equal_principal(Decimal(300000), Decimal("4.80"), 36)
    for figure in ("300,000.00", "9,533.33", "33.33", "8,366.78", "22,200.00", "4.8%"):
        assert figure in text
    no_promises(text)


# --- credit-card instalments ---------------------------------------------------------------------------

def float_npv(monthly: float, amount: float, payments: list[float]) -> float:
    return sum(p / (1 + monthly) ** t for t, p in enumerate(payments, 1)) - amount


def test_card_instalment_acceptance():
    plan = card_instalment(Decimal(12000), 12, Decimal("0.6"))
    assert plan.principal_per_period == plan.last_principal == Decimal("1000.00")
    assert plan.fee_per_period == Decimal("72.00") and plan.total_fee == Decimal("864.00")
    assert all(row.payment == Decimal("1072.00") for row in plan.schedule)
    assert plan.apr_percent == Decimal("13.03")
    # Independent: the float NPV changes sign inside the 0.01% bucket around the reported rate.
    apr = float(plan.apr_percent)
    assert float_npv((apr - 0.005) / 1200, 12000, [1072.0] * 12) > 0 > float_npv((apr + 0.005) / 1200, 12000,
                                                                                 [1072.0] * 12)
    # Compound annualisation of the same monthly rate.
    assert abs(float(plan.effective_annual_percent) - ((1 + apr / 1200) ** 12 - 1) * 100) < 0.02
    text = render_card_instalment(plan)
    for figure in ("12,000.00", "1,000.00", "72.00", "864.00", "13.03%"):
        assert figure in text
    no_promises(text)


def test_card_instalment_residue_and_upfront_fee():
    plan = card_instalment(Decimal(10000), 12, Decimal("0.6"), UPFRONT)
    assert plan.principal_per_period == Decimal("833.33") and plan.last_principal == Decimal("833.37")
    assert sum(row.principal for row in plan.schedule) == Decimal(10000)
    assert plan.fee_per_period == 0 and plan.total_fee == Decimal("720.00")
    assert [row.fee for row in plan.schedule] == [Decimal("720.00")] + [Decimal(0)] * 11
    flows = [float(row.payment) for row in plan.schedule]
    apr = float(plan.apr_percent)
    assert float_npv((apr - 0.005) / 1200, 10000, flows) > 0 > float_npv((apr + 0.005) / 1200, 10000, flows)
    per_period = card_instalment(Decimal(10000), 12, Decimal("0.6"), PER_PERIOD)
    assert per_period.total_fee == Decimal("720.00") and plan.apr_percent > per_period.apr_percent
    assert "833.37" in render_card_instalment(plan)


def test_card_instalment_edge_cases():
    assert card_instalment(Decimal(3000), 3, Decimal(0)).apr_percent == 0
    assert monthly_irr(Decimal(100), [Decimal(110)]) == pytest.approx(Decimal("0.1"), abs=Decimal("1e-20"))
    for args in ((Decimal(0), 12, Decimal(1)), (Decimal(100), 0, Decimal(1)), (Decimal(100), 12, Decimal(-1)),
                 (Decimal("0.05"), 12, Decimal(1))):
        with pytest.raises(ValueError):
            card_instalment(*args)
    with pytest.raises(ValueError):
        card_instalment(Decimal(100), 12, Decimal(1), "monthly")


# --- savings -------------------------------------------------------------------------------------------

def test_time_deposit_conventions():
    assert time_deposit(Decimal(100000), Decimal("1.75"), months=24).interest == Decimal("3500.00")
    by_days = time_deposit(Decimal(10000), Decimal("1.5"), days=90)
    assert by_days.interest == Decimal("37.50") and by_days.maturity_amount == Decimal("10037.50")
    odd = time_deposit(Decimal("12345.67"), Decimal("1.65"), months=7)
    assert odd.interest == fen(half_up(Fraction(1234567) * Fraction(165, 10000) * Fraction(7, 12)))
    for kwargs in ({}, {"months": 3, "days": 90}, {"months": 0}, {"days": -1}):
        with pytest.raises(ValueError):
            time_deposit(Decimal(100), Decimal(1), **kwargs)
    text = render_time_deposit(time_deposit(Decimal(100000), Decimal("1.75"), months=24))
    assert "3,500.00" in text and "103,500.00" in text
    no_promises(text)


def test_recurring_deposit_sum_of_balances():
    result = recurring_deposit(Decimal(1000), Decimal("1.35"), 12)
    # Independent: the balance after the k-th deposit earns one month's interest, k = 1..12.
    balances = sum(Fraction(1000 * k) for k in range(1, 13))
    assert result.interest == fen(half_up(balances * Fraction(135, 100) / 1200 * 100)) == Decimal("87.75")
    assert result.deposited == Decimal(12000) and result.maturity_amount == Decimal("12087.75")
    text = render_recurring_deposit(result)
    assert "12,087.75" in text and "87.75" in text
    no_promises(text)


def test_reference_return_is_illustrative_and_disclaimed():
    ref = reference_return(Decimal(100000), Decimal(3), 180)
    assert ref.reference_low == ref.reference_high == Decimal("1479.45")  # 100000 × 3% × 180/365 = 1479.452…
    assert ref.illustrative is True and ref.disclaimer == WEALTH_DISCLAIMER
    assert WEALTH_DISCLAIMER == "业绩比较基准不代表实际收益，理财非存款，产品有风险，投资须谨慎。"
    with pytest.raises(TypeError):  # the flag is fixed: not an init argument
        type(ref)(Decimal(1), 1, Decimal(1), Decimal(1), Decimal(0), Decimal(0), illustrative=False)
    ranged = reference_return(Decimal(100000), Decimal("2.8"), 180, Decimal("3.5"))
    assert (ranged.reference_low, ranged.reference_high) == (Decimal("1380.82"), Decimal("1726.03"))
    for text in (render_reference_return(ref), render_reference_return(ranged)):
        assert WEALTH_DISCLAIMER in text and "示意" in text
        no_promises(text)
    assert "1,479.45" in render_reference_return(ref) and "1,726.03" in render_reference_return(ranged)
    with pytest.raises(ValueError):
        reference_return(Decimal(100), Decimal(3), 180, Decimal(2))


# --- suitability ---------------------------------------------------------------------------------------

def catalogue_rank(product):
    level = product.get("risk_level")
    return int(level[1]) if isinstance(level, str) and len(level) == 2 and level[0] == "R" else None


def test_suitability_over_the_real_catalogue_is_exhaustive():
    assert len(CATALOGUE) > 200
    for c in range(1, 6):
        level = f"C{c}"
        chosen = suitable(CATALOGUE, level)
        ids = {p["id"] for p in chosen}
        for product in CATALOGUE:
            rank = catalogue_rank(product)
            if rank is not None and rank > c:
                assert product["id"] not in ids  # never R > C
            expected = product["on_sale"] is True and rank is not None and rank <= c
            assert (product["id"] in ids) == expected, (level, product["id"])
        # Non-vacuous: for C1..C4 the catalogue does hold on-sale products above the level.
        if c < 5:
            assert any(p["on_sale"] and (catalogue_rank(p) or 0) > c for p in CATALOGUE)
    assert any(not p["on_sale"] and catalogue_rank(p) == 1 for p in CATALOGUE)  # off-sale R1 is excluded


def test_suitability_fails_closed():
    odd = [{"id": str(i), "risk_level": level, "on_sale": sale}
           for i, (level, sale) in enumerate((lvl, s) for lvl in (None, "", "R0", "R6", "C1", "R1", " r2 ", "R12")
                                             for s in (True, False, None, "true", 1))]
    allowed = {(p["risk_level"], p["on_sale"]) for p in suitable(odd, "C5")}
    assert allowed == {("R1", True), (" r2 ", True)}
    assert suitability_gap("R4", "C2") == 2 and suitability_gap("R1", "c5") == -4
    for bad in ("C0", "C6", "R3", "", "高"):
        with pytest.raises(ValueError):
            suitable(CATALOGUE, bad)
    with pytest.raises(ValueError):
        suitability_gap("R9", "C1")
    assert not is_suitable({"risk_level": "R3", "on_sale": True}, "C2")


# --- portfolio -----------------------------------------------------------------------------------------

HOLDINGS = [
    {"product_id": "P-WEALTH-001", "amount": 50000},  # R1 现金管理类理财 from the catalogue
    {"category": "股票型基金", "risk_level": "R4", "amount": "30000.50"},
    {"category": "定期存款", "amount": 20000},  # unrated
    {"product_id": "P-WEALTH-001", "amount": 10000},  # merged with the first
]


def test_diagnosis_allocations_and_flags():
    d = diagnose(HOLDINGS, "C3", CATALOGUE)
    assert d.total == Decimal("110000.50")
    assert [(a.key, a.amount) for a in d.by_risk] == [("R1", 60000), ("R4", Decimal("30000.50")), ("未评级", 20000)]
    assert d.by_category[0].key == "现金管理类理财" and d.by_category[0].share_pct == Decimal("54.55")
    assert [a.key for a in d.concentrated] == ["P-WEALTH-001"]
    assert [a.key for a in d.above_level] == ["股票型基金"]
    text = render_diagnosis(d)
    for figure in ("110,000.50", "60,000.00", "54.55%", "30,000.50"):
        assert figure in text
    no_promises(text)
    assert diagnose(HOLDINGS, "C4", CATALOGUE).above_level == ()


def test_concentration_is_strictly_above_forty_percent():
    exactly = diagnose([{"category": "a", "risk_level": "R1", "amount": 40},
                        {"category": "b", "risk_level": "R1", "amount": 60}], "C1")
    assert [a.key for a in exactly.concentrated] == ["b"]
    with pytest.raises(ValueError):
        diagnose([{"category": "a", "amount": "-1"}], "C1")
    with pytest.raises(ValueError):
        diagnose([{"amount": 1}], "C1")


def test_rebalance_only_after_a_large_move():
    calm = rebalance(HOLDINGS, "C3", {"index": "沪深300", "change_pct": -1.2}, CATALOGUE)
    assert not calm.triggered and calm.moves == ()
    no_promises(render_rebalance(calm))
    advice = rebalance(HOLDINGS, "C3", {"index": "沪深300", "change_pct": -3.5}, CATALOGUE)
    assert advice.triggered and advice.base == Decimal("90000.50")  # the unrated deposit is left alone
    moves = {m.risk_level: m for m in advice.moves}
    # Targets 20/50/30 of 90,000.50, to the fen; R3 (the highest allowed) takes the residue.
    assert moves["R1"].target == Decimal("18000.10") and moves["R2"].target == Decimal("45000.25")
    assert moves["R3"].target == Decimal("27000.15") and moves["R4"].target == 0
    assert moves["R4"].change == Decimal("-30000.50") and moves["R1"].change == Decimal("-41999.90")
    assert sum(m.change for m in advice.moves) == 0
    text = render_rebalance(advice)
    for figure in ("3.50%", "45,000.25", "41,999.90", "30,000.50", "90,000.50"):
        assert figure in text
    no_promises(text)


def test_rebalance_within_band_suggests_nothing():
    holdings = [{"category": "x", "risk_level": "R1", "amount": 2100}, {"category": "y", "risk_level": "R2", "amount": 4900},
                {"category": "z", "risk_level": "R3", "amount": 3000}]
    advice = rebalance(holdings, "C3", {"index": "沪深300", "change_pct": 4})
    assert advice.triggered and advice.moves == ()
    assert "偏离不大" in render_rebalance(advice)


def test_target_table_never_exceeds_the_level_and_sums_to_100():
    for level, table in TARGET_ALLOCATION.items():
        assert sum(table.values()) == 100 and max(int(r[1]) for r in table) == int(level[1])
        targets = target_amounts(Decimal("12345.67"), level)
        assert sum(targets.values()) == Decimal("12345.67")


def test_rebalance_never_suggests_a_product_above_the_customer_level():
    on_sale_rated = [p for p in CATALOGUE if p["on_sale"] and catalogue_rank(p)]
    holdings = [{"product_id": p["id"], "amount": 1000 + 37 * i} for i, p in enumerate(on_sale_rated)]
    by_id = {p["id"]: p for p in CATALOGUE}
    for c in range(1, 6):
        for change in (-8, -3, 3, 8):
            advice = rebalance(holdings, f"C{c}", {"index": "沪深300", "change_pct": change}, CATALOGUE)
            assert advice.moves and sum(m.change for m in advice.moves) == 0
            for move in advice.moves:
                if move.change > 0:
                    assert int(move.risk_level[1]) <= c
                if int(move.risk_level[1]) > c:
                    assert move.target == 0 and move.change <= 0
                for cand in move.candidates:
                    product = by_id[cand.product_id]
                    assert product["on_sale"] is True and catalogue_rank(product) <= c
            no_promises(render_rebalance(advice))


def test_equal_principal_first_payment_is_the_textbook_figure_rounded_once():
    # P/n + P·r = 3333.333… + 2333.333… = 5666.666… → 5666.67 (the parts rounded apart would give 5666.66)
    assert equal_principal(Decimal(800000), Decimal("3.5"), 240).first_payment == Decimal("5666.67")
    # 2777.777… + 1666.666… = 4444.444… → 4444.44 (apart: 2777.78 + 1666.67 = 4444.45)
    assert equal_principal(Decimal(500000), Decimal("4"), 180).first_payment == Decimal("4444.44")
