from decimal import Decimal

import pytest

from domain.preapproval import DTI_CAP, max_principal, pre_approve
from domain.repayment import equal_instalment
from engines.bureau import CreditReport, SimulatedBureau

PRODUCTS = [
    {"id": "P-LOAN-001", "name": "薪享贷", "rate_min": 3.6, "amount_min": 10000, "amount_max": 300000},
    {"id": "P-LOAN-002", "name": "安居装修贷", "rate_min": 3.2, "amount_min": 10000, "amount_max": 500000},
]


def report(**over):
    base = {"customer_id": "c-1", "score": 720, "overdue_24m": 0, "monthly_debt_service": 2000, "queries_6m": 1,
            "monthly_income": 20000}
    return CreditReport(**{**base, **over})


def test_simulated_bureau_is_deterministic_and_plausible():
    bureau = SimulatedBureau()
    first, again = bureau.report("c-0001"), bureau.report("c-0001")
    assert first == again and first != bureau.report("c-0002")
    for cid in (f"c-{i}" for i in range(200)):
        r = bureau.report(cid)
        assert 350 <= r.score <= 950 and r.monthly_income >= 4000 and 0 <= r.monthly_debt_service < r.monthly_income
    with pytest.raises(ValueError):
        bureau.report("")


@pytest.mark.parametrize("over,reason", [({"score": 500}, "评分"), ({"overdue_24m": 3}, "逾期"),
                                         ({"queries_6m": 6}, "查询"), ({"monthly_debt_service": 10000}, "负债")])
def test_declines_follow_the_rules(over, reason):
    result = pre_approve(report(**over), None, PRODUCTS)
    assert not result.approved and reason in result.reason


def test_plans_respect_the_debt_to_income_cap_exactly():
    result = pre_approve(report(), None, PRODUCTS)
    assert result.approved and [p.months for p in result.plans] == [12, 36]
    budget = Decimal(20000) * DTI_CAP - 2000
    for plan in result.plans:
        assert plan.monthly_payment <= budget
        assert equal_instalment(plan.amount, plan.annual_rate, plan.months).monthly_payment == plan.monthly_payment
        # One hundred yuan more would break the cap (or the product maximum binds).
        bigger = equal_instalment(plan.amount + 100, plan.annual_rate, plan.months).monthly_payment
        assert bigger > budget or plan.amount in (Decimal(300000), Decimal(500000))
    assert result.plans[0].product_id == "P-LOAN-002"  # the cheaper rate first


def test_requested_amount_is_honoured_when_affordable():
    result = pre_approve(report(), Decimal(50000), PRODUCTS)
    assert all(p.amount == 50000 for p in result.plans)


def test_max_principal_inverts_the_annuity():
    p = max_principal(Decimal("8964.36"), Decimal("4.8"), 36)
    assert p == Decimal(300000)
