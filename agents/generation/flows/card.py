"""Credit-card instalment flow: the fee rate is read from the card product's fees in the catalogue
(e.g. 账单分期手续费 "12期每期0.60%起"), never assumed; the annualised rate is always disclosed."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from agents.generation.flows import Answer, Grounding, catalogue_rows, named_product, product_nodes
from domain.cards import PER_PERIOD, card_instalment, render_card_instalment
from domain.repayment import percent

PERIOD_RATE = re.compile(r"(\d+)\s*期每期\s*(\d+(?:\.\d+)?)\s*%")
STATED_APR = re.compile(r"年化利率约\s*(\d+(?:\.\d+)?)\s*%")
INSTALMENT_FEE = "账单分期"


def period_rates(card: dict[str, Any]) -> dict[int, Decimal]:
    """Per-period fee rates (percent) by number of periods from the card's 账单分期 fee, e.g. {12: 0.60}."""
    rates: dict[int, Decimal] = {}
    for fee in card.get("fees") or []:
        if INSTALMENT_FEE in fee.get("name", ""):
            for m in PERIOD_RATE.finditer(str(fee.get("value", ""))):
                rates.setdefault(int(m.group(1)), Decimal(m.group(2)))
    return rates


def _instalment_fee(card: dict[str, Any]) -> str | None:
    return next((str(f["value"]) for f in card.get("fees") or [] if INSTALMENT_FEE in f.get("name", "")), None)


def _unlisted(card: dict[str, Any], periods: int, rates: dict[int, Decimal]) -> Answer:
    """Explain, with the product's own fee terms (and their annualised rate), that this period count is not listed."""
    fee = _instalment_fee(card)
    tools = {"card_product": card["id"], "periods": str(periods)}
    for n, rate in rates.items():
        tools |= {f"listed.{n}.periods": str(n), f"listed.{n}.rate_percent": str(rate)}
    stated = STATED_APR.search(fee or "")
    if stated:
        tools["listed.apr_percent"] = stated.group(1)
    known = f"产品资料列明的账单分期手续费为：{fee.rstrip('。')}。" if fee else ""
    offer = "如选择已列明的期数，我可以为您精确计算。" if rates else ""
    return Answer(f"{card['name']}{known}{periods}期的费率没有在产品资料中列明，请以手机银行分期办理页面展示的费率和年化利率为准。{offer}",
                  tools, (card["id"],))


def _card(context: dict[str, Any], grounding: Grounding, text: str) -> dict[str, Any] | None:
    """The card the customer names, else the first card product in the Context (full node, with fees)."""
    if grounding.catalogue is None:
        return None
    named = named_product(text, catalogue_rows(grounding.catalogue, "credit_card"))
    if named is not None:
        return grounding.catalogue.product(named["id"])
    cards = product_nodes(context.get("facts", []), grounding.catalogue, "credit_card")
    return next((c for c in cards if c.get("on_sale") is True), None)


CARD_SLOTS = {"bill_amount": "分期金额", "instalment_periods": "分期期数"}
CARD_PROMPT = "为了给您计算分期手续费，请告诉我{missing}。"


def card_instalment_answer(context: dict[str, Any], grounding: Grounding, text: str) -> Answer:
    slots = context.get("slots", {})
    missing = [label for key, label in CARD_SLOTS.items() if key not in slots]
    if missing:
        return Answer(CARD_PROMPT.format(missing="、".join(missing)))
    if "fee_rate" in slots:  # the customer's own rate wins over any card's listed one
        return _stated_rate_answer(slots)
    card = _card(context, grounding, text)
    if card is None:
        return Answer("不同信用卡的分期手续费率可能不同，请告诉我您使用的是哪一张信用卡（卡片名称），我按该卡的费率为您精确计算。")
    periods = int(slots["instalment_periods"])
    rates = period_rates(card)
    if periods not in rates:
        return _unlisted(card, periods, rates)
    try:
        plan = card_instalment(Decimal(slots["bill_amount"]), periods, rates[periods], PER_PERIOD)
    except (InvalidOperation, ValueError):
        return Answer("您提供的分期金额或期数无法计算，请核对后再告诉我。")
    text = (f"按{card['name']}账单分期{periods}期每期{percent(plan.fee_rate_percent)}%起的费率测算："
            + render_card_instalment(plan))
    tools = {"card_product": card["id"], **_plan_tools(plan)}
    return Answer(text, tools, (card["id"],))


def _plan_tools(plan: Any) -> dict[str, str]:
    return {"principal": str(plan.principal), "periods": str(plan.periods),
            "fee_rate_percent": str(plan.fee_rate_percent), "fee_mode": plan.fee_mode,
            "principal_per_period": str(plan.principal_per_period), "last_principal": str(plan.last_principal),
            "fee_per_period": str(plan.fee_per_period), "total_fee": str(plan.total_fee),
            "apr_percent": str(plan.apr_percent), "effective_annual_percent": str(plan.effective_annual_percent)}


def _stated_rate_answer(slots: dict[str, str]) -> Answer:
    try:
        plan = card_instalment(Decimal(slots["bill_amount"]), int(slots["instalment_periods"]),
                               Decimal(slots["fee_rate"]), PER_PERIOD)
    except (InvalidOperation, ValueError):
        return Answer("您提供的分期金额、期数或费率无法计算，请核对后再告诉我。")
    return Answer(f"按您提供的每期手续费率{percent(plan.fee_rate_percent)}%测算：" + render_card_instalment(plan),
                  {"rate_source": "customer", **_plan_tools(plan)})
