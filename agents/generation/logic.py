"""Generation stage (skeleton): the grounded composer.

Replies are built from Context facts and exact tool results with fixed Chinese templates; it
never invents a product, a rate or a number. LLM backends arrive with the generation issue.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from agents.compliance.logic import RISK_DISCLOSURE
from agents.escalation.high_risk import PENDING_TEXT, high_risk_operation
from agents.generation.repayment import equal_instalment
from agents.turn import carry
from streams.stage import Emit
from streams.topics import REPLY_DRAFT

LOAN_SLOTS = {"amount": "贷款金额", "term_months": "期限", "annual_rate": "年化利率"}
OPENERS = {
    "human_agent": "好的，正在为您转接人工客服，请稍候。",
    "complaint": "非常抱歉给您带来了不好的体验，我们会认真核实并尽快给您答复。",
    "card_security": "如您的卡片丢失或疑似被盗刷，请立即冻结卡片；银行工作人员不会向您索要验证码或密码。",
}
CLARIFY = "抱歉，我没有完全理解您的问题。您是想咨询贷款、还款计算、理财、信用卡、账户、转账还是保险业务呢？"


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def repayment_reply(slots: dict[str, str]) -> tuple[str, dict[str, str]]:
    missing = [label for key, label in LOAN_SLOTS.items() if key not in slots]
    if missing:
        return f"为了给您精确计算还款金额，请告诉我{'、'.join(missing)}。", {}
    try:
        principal, rate = Decimal(slots["amount"]), Decimal(slots["annual_rate"])
        months = int(slots["term_months"])
        plan = equal_instalment(principal, rate, months)
    except (InvalidOperation, ValueError):
        return "您提供的金额、期限或利率无法计算，请核对后再告诉我。", {}
    tools = {
        "method": "等额本息", "principal": str(principal), "annual_rate": str(rate), "term_months": str(months),
        "monthly_payment": str(plan.monthly_payment), "last_payment": str(plan.last_payment),
        "total_interest": str(plan.total_interest),
    }
    text = (f"按等额本息计算：贷款{_yuan(principal)}元，年化利率{rate}%，分{months}期，"
            f"每月还款{_yuan(plan.monthly_payment)}元"
            + (f"（末期{_yuan(plan.last_payment)}元）" if plan.last_payment != plan.monthly_payment else "")
            + f"，总利息{_yuan(plan.total_interest)}元。实际以合同约定为准。")
    return text, tools


def compose(context: dict[str, Any]) -> list[Emit]:
    op = high_risk_operation(context["text"], context["intent"], context.get("slots", {}))
    if op is not None:
        return [Emit(REPLY_DRAFT, "DraftReply", {
            **carry(context, "intent", "confidence", "slots", "emotion", "emotion_trajectory", "needs_clarification"),
            "text": PENDING_TEXT[op], "composer": "grounded", "source_ids": [], "tool_results": {}, "review_op": op,
        })]
    intent = context["intent"]
    # A follow-up without a clear intent ("30万吧") continues the active task; an unclear one does not.
    task = intent if intent != "other" else (None if context.get("needs_clarification") else context.get("active_task"))
    slots = context.get("slots", {})
    facts = context.get("facts", [])
    tools: dict[str, str] = {}
    parts: list[str] = []
    used: list[str] = []
    if intent in OPENERS:
        parts.append(OPENERS[intent])
    elif context.get("needs_clarification") and not task:
        parts.append(CLARIFY)
    elif task == "repayment_calc" or (task == "loan_inquiry" and {"amount", "term_months", "annual_rate"} <= slots.keys()):
        text, tools = repayment_reply(slots)
        parts.append(text)
    elif task == "loan_inquiry":
        missing = [label for key, label in (("loan_purpose", "贷款用途"), *LOAN_SLOTS.items()) if key not in slots]
        if facts:
            parts.append(facts[0]["content"])
            used.append(facts[0]["source_id"])
        if missing:
            parts.append(f"方便告诉我{'、'.join(missing)}吗？我帮您测算。")
    if not parts and facts:
        parts.append(facts[0]["content"])
        used.append(facts[0]["source_id"])
    if not parts:
        parts.append("您好，我是智能客服，可以为您办理贷款咨询、还款计算、理财、信用卡、账户和转账等业务。")
    if task in ("wealth_inquiry", "wealth_calc"):
        parts.append(RISK_DISCLOSURE)
    return [Emit(REPLY_DRAFT, "DraftReply", {
        **carry(context, "intent", "confidence", "slots", "emotion", "emotion_trajectory", "needs_clarification"),
        "text": "".join(parts), "composer": "grounded", "source_ids": used, "tool_results": tools,
    })]
