"""Rule-based loan pre-approval and 2-3 plans, exact to the fen.

Rules (documented, deliberately simple): decline below score 550, with 3+ overdue instalments in
24 months, or 6+ hard inquiries in 6 months; otherwise the monthly debt service including the new
loan may not exceed 50% of verified income (debt-to-income cap), which bounds the amount per term.
Plans use the cheapest matching products' minimum rates and the equal-instalment formula.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.repayment import equal_instalment, max_principal


@dataclass(frozen=True)
class CreditReport:
    customer_id: str
    score: int                 # 350-950, higher is better
    overdue_24m: int           # overdue instalments in the last 24 months
    monthly_debt_service: int  # yuan per month already committed to other loans
    queries_6m: int            # hard inquiries in the last 6 months
    monthly_income: int        # verified income, yuan per month


__all__ = ["DTI_CAP", "TERMS", "CreditReport", "Plan", "PreApproval", "max_principal", "pre_approve"]

DTI_CAP = Decimal("0.5")
TERMS = (12, 36, 60)


@dataclass(frozen=True)
class Plan:
    product_id: str
    product_name: str
    annual_rate: Decimal
    months: int
    amount: Decimal
    monthly_payment: Decimal
    total_interest: Decimal


@dataclass(frozen=True)
class PreApproval:
    approved: bool
    reason: str
    plans: tuple[Plan, ...] = ()


def pre_approve(report: CreditReport, requested: Decimal | None, products: list[dict[str, Any]]) -> PreApproval:
    if report.score < 550:
        return PreApproval(False, "综合信用评分未达到准入要求")
    if report.overdue_24m >= 3:
        return PreApproval(False, "近24个月逾期次数较多")
    if report.queries_6m >= 6:
        return PreApproval(False, "近6个月征信查询次数较多")
    budget = Decimal(report.monthly_income) * DTI_CAP - Decimal(report.monthly_debt_service)
    if budget <= 0 or not products:
        return PreApproval(False, "现有负债占收入比例较高" if budget <= 0 else "暂无匹配的在售产品")
    plans = []
    for product, months in zip(sorted(products, key=lambda p: p["rate_min"]), TERMS, strict=False):
        rate = Decimal(str(product["rate_min"]))
        cap = min(max_principal(budget, rate, months), Decimal(product.get("amount_max") or 10**9))
        amount = min(requested, cap) if requested else cap
        if amount < Decimal(product.get("amount_min") or 0) or amount <= 0:
            continue
        schedule = equal_instalment(amount, rate, months)
        plans.append(Plan(product["id"], product["name"], rate, months, amount, schedule.monthly_payment,
                          schedule.total_interest))
    if not plans:
        return PreApproval(False, "可贷额度低于产品起贷金额")
    return PreApproval(True, "预审通过，最终额度和利率以审批为准", tuple(plans))
