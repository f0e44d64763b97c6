"""Loan flows: repayment (等额本息 / 等额本金), prepayment savings, the most a monthly budget can
borrow, and bureau-backed pre-approval.

Every figure comes from ``domain.repayment`` / ``preapproval`` in Decimal and is
written with thousands separators to the fen; inputs that are missing are asked for by name.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from agents.generation.flows import Answer, Grounding, product_nodes
from domain.preapproval import PreApproval, pre_approve
from domain.repayment import (
    EQUAL_INSTALMENT,
    EQUAL_PRINCIPAL,
    METHOD_NAMES,
    MODE_NAMES,
    REDUCE_PAYMENT,
    SHORTEN_TERM,
    PrepaymentResult,
    equal_instalment,
    equal_principal,
    max_principal,
    percent,
    prepayment_savings,
    render_equal_principal,
    yuan,
)

LOAN_SLOTS = {"amount": "贷款金额", "term_months": "期限", "annual_rate": "年化利率"}
PREPAYMENT_SLOTS = {"amount": "贷款金额（原始本金）", "term_months": "贷款期限", "annual_rate": "年化利率",
                    "paid_months": "已还期数", "prepayment": "提前还款金额"}
BUDGET_SLOTS = {"monthly_budget": "每月可承受的还款额", "term_months": "贷款期限", "annual_rate": "年化利率"}
PREPAYMENT_INPUTS = ("prepayment", "paid_months", "prepay_mode")
MAX_PRINCIPAL_STEP = Decimal(100)
PURPOSES = "装修、购车、经营、消费、教育或购房"
UNREADABLE = "您提供的金额、期限或利率无法计算，请核对后再告诉我。"


# What the customer is asked for when a calculation lacks inputs ({missing}: the labels, 、-joined).
REPAYMENT_PROMPT = "为了给您精确计算还款金额，请告诉我{missing}。"
PREPAYMENT_PROMPT = "为了测算提前还款能节省多少利息，请告诉我{missing}。"
BUDGET_PROMPT = "为了测算您每月的还款额对应的贷款金额，请告诉我{missing}。"
PRODUCT_PROMPT = "好的，为了给您匹配合适的贷款产品并测算，方便告诉我{missing}吗？"


def method_of(slots: dict[str, str], text: str) -> str:
    """The repayment method: the one named in this turn, else the one held, else 等额本息."""
    named = [(text.rfind(name), key) for key, name in METHOD_NAMES.items() if name in text]
    if named:
        return max(named)[1]
    return EQUAL_PRINCIPAL if slots.get("repay_method") == METHOD_NAMES[EQUAL_PRINCIPAL] else EQUAL_INSTALMENT


def _missing(slots: dict[str, str], labels: dict[str, str]) -> list[str]:
    return [label for key, label in labels.items() if key not in slots]


def _terms(slots: dict[str, str]) -> tuple[Decimal, Decimal, int]:
    return Decimal(slots["amount"]), Decimal(slots["annual_rate"]), int(slots["term_months"])


def instalment_answer(slots: dict[str, str], method: str) -> Answer:
    """Monthly payment and total interest under either method."""
    missing = _missing(slots, LOAN_SLOTS)
    if missing:
        return Answer(REPAYMENT_PROMPT.format(missing="、".join(missing)))
    try:
        principal, rate, months = _terms(slots)
        if method == EQUAL_PRINCIPAL:
            plan = equal_principal(principal, rate, months)
            return Answer(render_equal_principal(principal, rate, months), {
                "method": METHOD_NAMES[method], "principal": str(principal), "annual_rate": str(rate),
                "term_months": str(months), "principal_part": str(plan.principal_part),
                "first_payment": str(plan.first_payment), "monthly_decrease": str(plan.monthly_decrease),
                "last_payment": str(plan.last_payment), "total_interest": str(plan.total_interest),
                "total_payment": str(plan.total_payment)})
        summary = equal_instalment(principal, rate, months)
    except (InvalidOperation, ValueError):
        return Answer(UNREADABLE)
    last = f"（末期{yuan(summary.last_payment)}元）" if summary.last_payment != summary.monthly_payment else ""
    text = (f"按等额本息计算：贷款{yuan(principal)}元，年化利率{percent(rate)}%，分{months}期，"
            f"每月还款{yuan(summary.monthly_payment)}元{last}，总利息{yuan(summary.total_interest)}元。实际以合同约定为准。")
    return Answer(text, {
        "method": METHOD_NAMES[method], "principal": str(principal), "annual_rate": str(rate), "term_months": str(months),
        "monthly_payment": str(summary.monthly_payment), "last_payment": str(summary.last_payment),
        "total_interest": str(summary.total_interest), "total_payment": str(summary.total_payment)})


def _mode_text(result: PrepaymentResult) -> str:
    if result.new_remaining_months == 0:
        return f"贷款即全部结清，可少付利息{yuan(result.interest_saved)}元"
    label = "月供" if result.method == EQUAL_INSTALMENT else "下期还款"
    term = (f"剩余期限由{result.old_remaining_months}期缩短为{result.new_remaining_months}期"
            if result.new_remaining_months < result.old_remaining_months
            else f"剩余期限仍为{result.new_remaining_months}期")
    return (f"按{MODE_NAMES[result.mode]}的方式：{label}由{yuan(result.old_payment)}元变为{yuan(result.new_payment)}元，"
            f"{term}，可少付利息{yuan(result.interest_saved)}元")


def prepayment_answer(slots: dict[str, str], method: str) -> Answer:
    """Interest saved by a partial prepayment; both ways (shorter term, lower payment) unless one was chosen."""
    missing = _missing(slots, PREPAYMENT_SLOTS)
    if missing:
        return Answer(PREPAYMENT_PROMPT.format(missing="、".join(missing)))
    modes = [slots["prepay_mode"]] if slots.get("prepay_mode") in MODE_NAMES else [SHORTEN_TERM, REDUCE_PAYMENT]
    try:
        principal, rate, months = _terms(slots)
        paid, prepaid = int(slots["paid_months"]), Decimal(slots["prepayment"])
        results = [prepayment_savings(principal, rate, months, method, paid_instalments=paid, prepayment=prepaid,
                                      mode=mode) for mode in modes]
    except (InvalidOperation, ValueError):
        return Answer("这笔提前还款无法计算：已还期数须小于贷款期数，提前还款金额不能超过剩余本金。请核对后再告诉我。")
    first = results[0]
    when = f"已还{paid}期后" if paid else "首期还款前"
    head = (f"贷款{yuan(principal)}元、年化利率{percent(rate)}%、分{months}期（{METHOD_NAMES[method]}），"
            f"{when}提前还款{yuan(prepaid)}元，提前还款前剩余本金{yuan(first.balance_before)}元")
    bodies = [_mode_text(r) for r in results]
    if first.new_remaining_months == 0 or len(bodies) == 1:
        body = "，" + bodies[0]
    else:
        body = "：① " + bodies[0] + "；② " + bodies[1]
    tools = {"method": METHOD_NAMES[method], "principal": str(principal), "annual_rate": str(rate),
             "term_months": str(months), "paid_instalments": str(paid), "prepayment": str(prepaid),
             "balance_before": str(first.balance_before), "balance_after": str(first.balance_after),
             "old_payment": str(first.old_payment), "old_remaining_months": str(first.old_remaining_months)}
    for r in results:
        tools |= {f"{r.mode}.new_payment": str(r.new_payment), f"{r.mode}.new_remaining_months": str(r.new_remaining_months),
                  f"{r.mode}.interest_saved": str(r.interest_saved)}
    return Answer(head + body + "。以上未计提前还款违约金（如有），实际以贷款合同和银行系统计算为准。", tools)


def max_principal_answer(slots: dict[str, str], method: str) -> Answer:
    """The largest principal whose every instalment fits the monthly budget."""
    missing = _missing(slots, BUDGET_SLOTS)
    if missing:
        return Answer(BUDGET_PROMPT.format(missing="、".join(missing)))
    try:
        budget, rate, months = Decimal(slots["monthly_budget"]), Decimal(slots["annual_rate"]), int(slots["term_months"])
        principal = max_principal(budget, rate, months, method, MAX_PRINCIPAL_STEP)
    except (InvalidOperation, ValueError):
        return Answer(UNREADABLE)
    basis = f"按{METHOD_NAMES[method]}、年化利率{percent(rate)}%、分{months}期测算"
    tools = {"method": METHOD_NAMES[method], "monthly_budget": str(budget), "annual_rate": str(rate),
             "term_months": str(months), "max_principal": str(principal), "step": str(MAX_PRINCIPAL_STEP)}
    if principal <= 0:
        return Answer(f"{basis}，每月{yuan(budget)}元的还款额不足以覆盖{yuan(MAX_PRINCIPAL_STEP)}元的贷款本金。", tools)
    if method == EQUAL_PRINCIPAL:
        plan = equal_principal(principal, rate, months)
        pay, total = f"首月还款{yuan(plan.first_payment)}元（此后逐月递减）", plan.total_interest
        tools |= {"first_payment": str(plan.first_payment), "total_interest": str(total)}
    else:
        summary = equal_instalment(principal, rate, months)
        last = f"（末期{yuan(summary.last_payment)}元）" if summary.last_payment != summary.monthly_payment else ""
        pay, total = f"每月还款{yuan(summary.monthly_payment)}元{last}", summary.total_interest
        tools |= {"monthly_payment": str(summary.monthly_payment), "last_payment": str(summary.last_payment),
                  "total_interest": str(total)}
    text = (f"{basis}，每月还款不超过{yuan(budget)}元时，贷款本金最高约{yuan(principal)}元"
            f"（按{MAX_PRINCIPAL_STEP}元取整），{pay}，总利息{yuan(total)}元。"
            "这只是还款能力测算，实际额度以银行审批为准。")
    return Answer(text, tools)


def loan_products_for(context: dict[str, Any], grounding: Grounding) -> list[dict[str, Any]]:
    """On-sale loan products for pre-approval: the Context's loan facts, else the catalogue's by purpose.

    The compliance stage re-runs pre-approval over the products a draft cites, filtered the same
    way and in the same order, so the draft must cite exactly these.
    """
    slots = context.get("slots", {})
    nodes = product_nodes(context.get("facts", []), grounding.catalogue, "loan")
    if not nodes and grounding.catalogue is not None:
        amount = int(Decimal(slots["amount"])) if "amount" in slots else None
        nodes = [row["product"] for row in grounding.catalogue.loan_products(slots.get("loan_purpose"), amount)]
    return [p for p in nodes if p.get("type") == "loan" and p.get("on_sale") is True and p.get("rate_min") is not None]


def _plans_text(outcome: PreApproval) -> tuple[str, dict[str, str]]:
    numerals = "一二三"
    parts, tools = [], {"pre_approval": "approved"}
    for i, plan in enumerate(outcome.plans):
        parts.append(f"方案{numerals[i]}：{plan.product_name}，年化利率{percent(plan.annual_rate)}%，{plan.months}期，"
                     f"额度{yuan(plan.amount)}元，每月还款{yuan(plan.monthly_payment)}元，总利息{yuan(plan.total_interest)}元")
        tools |= {f"plan{i + 1}.product_id": plan.product_id, f"plan{i + 1}.annual_rate": str(plan.annual_rate),
                  f"plan{i + 1}.months": str(plan.months), f"plan{i + 1}.amount": str(plan.amount),
                  f"plan{i + 1}.monthly_payment": str(plan.monthly_payment),
                  f"plan{i + 1}.total_interest": str(plan.total_interest)}
    return "；".join(parts), tools


def pre_approval_answer(context: dict[str, Any], grounding: Grounding) -> Answer:
    """The bureau's report under the pre-approval rules: 2-3 exact plans, or the reason, politely."""
    slots = context.get("slots", {})
    if not context.get("customer_id"):
        return Answer("为保护您的信息安全，贷款预审需要先核实身份：请登录手机银行或网上银行后再发起预审。")
    if grounding.bureau is None or grounding.catalogue is None:
        return Answer("抱歉，预审服务暂时无法使用，请稍后再试，或通过手机银行提交贷款申请。")
    if "loan_purpose" not in slots:
        return Answer(f"为了给您匹配在售的贷款产品进行预审，请告诉我贷款用途（如{PURPOSES}）。")
    products = loan_products_for(context, grounding)
    try:
        requested = Decimal(slots["amount"]) if "amount" in slots else None
    except InvalidOperation:
        requested = None
    outcome = pre_approve(grounding.bureau.report(context["customer_id"]), requested, products)
    if not outcome.approved:
        return Answer(f"很抱歉，根据征信等信息的初步评估，本次贷款预审暂未通过，主要原因：{outcome.reason}。"
                      "建议保持良好的信用记录、适当降低负债后再申请，如有疑问可咨询网点工作人员。",
                      {"pre_approval": "declined", "reason": outcome.reason})
    plans, tools = _plans_text(outcome)
    ceiling = max(plan.amount for plan in outcome.plans)
    tools["max_amount"] = str(ceiling)
    text = (f"您预审通过，根据征信和收入情况，您最高可贷{yuan(ceiling)}元，可选方案如下（按等额本息计算）：{plans}。"
            "以上为初步评估结果，最终额度和利率以审批为准，如需办理请在手机银行提交正式申请。")
    return Answer(text, tools, tuple(p["id"] for p in products))
