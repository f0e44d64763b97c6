"""Wealth calculations: deposit interest at the bank's listed rates and an illustrative reference
amount for a wealth product's performance benchmark — always with the disclaimer, never a promise,
and only for a product that suits the customer (R <= C)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from agents.generation.flows import (
    Answer,
    Grounding,
    catalogue_rows,
    nameable,
    named_product,
    product_nodes,
)
from domain.repayment import to_fen, yuan
from domain.savings import (
    WEALTH_DISCLAIMER,
    compound_growth,
    recurring_deposit,
    redemption_fee,
    reference_return,
    render_compound_growth,
    render_recurring_deposit,
    render_reference_return,
    render_time_deposit,
    subscription_fee,
    time_deposit,
)

RECURRING = "零存整取"
LUMP_SUM = "整存整取"
DEPOSIT_KINDS = (LUMP_SUM, "大额存单", RECURRING)  # the deposit_kind values the slot parser gives


def deposit_slots(kind: str) -> dict[str, str]:
    """A deposit's inputs and how the bot names them when it asks: a 零存整取 is paid in monthly."""
    return {"deposit_amount": "每月存入金额" if kind == RECURRING else "存入金额", "deposit_months": "存期"}


OPTIONS_SHOWN = 3


# The bot's own prompts for missing inputs (agents.generation.fixed_texts lists every form for the gate's training).
DEPOSIT_PROMPT = "为了给您计算{kind}的利息，请告诉我{missing}。"
REFERENCE_SLOTS = {"invest_amount": "投资金额", "hold_days": "持有天数"}
REFERENCE_PROMPT = "为了给您做参考测算，请告诉我{missing}。"
COMPOUND_SLOTS = {"compound_principal": "本金", "compound_rate": "年利率", "compound_years": "年数"}
COMPOUND_PROMPT = "为了按复利为您计算，请告诉我{missing}。"
SUBSCRIPTION_PROMPT = "请告诉我申购金额和申购费率，我为您计算手续费。"
REDEMPTION_PROMPT = "请告诉我赎回金额和赎回费率，我为您计算手续费。"


def deposit_answer(slots: dict[str, str], grounding: Grounding) -> Answer:
    """整存整取 / 大额存单 / 零存整取 interest at the listed rate of the matching on-sale deposit product."""
    kind = slots.get("deposit_kind", LUMP_SUM)
    missing = [label for key, label in deposit_slots(kind).items() if key not in slots]
    if missing:
        return Answer(DEPOSIT_PROMPT.format(kind=kind, missing="、".join(missing)))
    if "deposit_rate" in slots:  # the customer's own rate wins; the listed one only when none was given
        return _deposit_at_stated_rate(slots, kind)
    if grounding.catalogue is None:
        return Answer("抱歉，暂时查询不到存款挂牌利率，请稍后再试，或以网点和手机银行公布的利率为准。")
    try:
        amount, months = Decimal(slots["deposit_amount"]), int(slots["deposit_months"])
    except (InvalidOperation, ValueError):
        return Answer("您提供的存入金额或存期无法计算，请核对后再告诉我。")
    products = [p for p in catalogue_rows(grounding.catalogue, "deposit")
                if p.get("subtype") == kind and p.get("on_sale") is True and p.get("rate_min") is not None]
    product = next((p for p in products if p.get("term_min") == months), None)
    if product is None:
        terms = sorted({int(p["term_min"]) for p in products if p.get("term_min")})
        tools = {f"term.{i + 1}": str(t) for i, t in enumerate(terms)} | {"deposit_months": str(months)}
        listed = "、".join(f"{t}个月" for t in terms)
        return Answer(f"本行在售的{kind}存期有{listed}，暂无{months}个月的存期，请选择其中一个存期，我为您计算。"
                      if terms else f"抱歉，暂未查询到在售的{kind}产品。", tools if terms else {})
    minimum = Decimal(str(product.get("amount_min") or 0))
    if kind != RECURRING and amount < minimum:
        return Answer(f"{product['name']}起存金额为{yuan(minimum)}元，您提供的金额低于起存金额。",
                      {"product_id": product["id"], "amount_min": str(minimum), "deposit_amount": str(amount)},
                      (product["id"],))
    rate = Decimal(str(product["rate_min"]))
    try:
        result = (recurring_deposit(amount, rate, months) if kind == RECURRING
                  else time_deposit(amount, rate, months=months))
    except ValueError:
        return Answer("您提供的存入金额或存期无法计算，请核对后再告诉我。")
    render = render_recurring_deposit if kind == RECURRING else render_time_deposit
    tools = {"product_id": product["id"], "deposit_kind": kind, "deposit_amount": str(amount),
             "deposited": str(result.deposited), "annual_rate": str(rate), "deposit_months": str(months),
             "interest": str(result.interest), "maturity_amount": str(result.maturity_amount)}
    return Answer(f"按{product['name']}的挂牌年利率测算：{render(result)}", tools, (product["id"],))


def suitable_choices(context: dict[str, Any], grounding: Grounding, level: str) -> list[dict[str, Any]]:
    """Wealth products with a benchmark that suit ``level``: the Context's first, else the catalogue's."""
    nodes = product_nodes(context.get("facts", []), grounding.catalogue, "wealth")
    if not nodes and grounding.catalogue is not None:
        nodes = [row["product"] for row in grounding.catalogue.suitable_wealth(level, limit=OPTIONS_SHOWN * 2)]
    return [p for p in nodes if nameable(p, level) and p.get("rate_min") is not None][:OPTIONS_SHOWN]


def reference_answer(context: dict[str, Any], grounding: Grounding, text: str, level: str) -> Answer:
    """An illustration amount × benchmark × days / 365 for the product the customer names."""
    slots = context.get("slots", {})
    missing = [label for key, label in REFERENCE_SLOTS.items() if key not in slots]
    if missing:
        return Answer(REFERENCE_PROMPT.format(missing="、".join(missing)) + WEALTH_DISCLAIMER)
    if "expected_rate" in slots:
        return _reference_at_stated_rate(slots)
    product = named_product(text, catalogue_rows(grounding.catalogue, "wealth"))
    if product is None:
        choices = suitable_choices(context, grounding, level)
        if not choices:
            return Answer(f"请告诉我您想测算的产品名称。{WEALTH_DISCLAIMER}")
        names = "、".join(p["name"] for p in choices)
        return Answer(f"请问您想测算哪款产品？适合您风险承受能力等级（{level}）的在售产品有：{names}。{WEALTH_DISCLAIMER}",
                      {"customer_risk": level}, tuple(p["id"] for p in choices))
    if not nameable(product, level):
        return Answer(f"您提到的产品风险等级高于您的风险承受能力等级（{level}），按投资者适当性管理要求，暂不能为您测算或推荐该产品；"
                      f"如您的情况有变化，可先重新完成风险测评。{WEALTH_DISCLAIMER}", {"customer_risk": level})
    if product.get("rate_min") is None:
        return Answer(f"{product['name']}没有业绩比较基准，收益随市场波动，无法测算参考金额。{WEALTH_DISCLAIMER}",
                      {}, (product["id"],))
    try:
        low = Decimal(str(product["rate_min"]))
        high = Decimal(str(product["rate_max"])) if product.get("rate_max") is not None else None
        result = reference_return(Decimal(slots["invest_amount"]), low, int(slots["hold_days"]), high)
    except (InvalidOperation, ValueError):
        return Answer(f"您提供的投资金额或持有天数无法计算，请核对后再告诉我。{WEALTH_DISCLAIMER}")
    tools = {"product_id": product["id"], "product_risk": str(product["risk_level"]), "customer_risk": level,
             "amount": str(result.amount), "days": str(result.days),
             "benchmark_low_percent": str(result.benchmark_low_percent),
             "benchmark_high_percent": str(result.benchmark_high_percent),
             "reference_low": str(result.reference_low), "reference_high": str(result.reference_high),
             "days_in_year": "365"}
    return Answer(f"{product['name']}（风险等级{product['risk_level']}）{render_reference_return(result)}", tools,
                  (product["id"],))


def _deposit_at_stated_rate(slots: dict[str, str], kind: str) -> Answer:
    try:
        amount, months, rate = Decimal(slots["deposit_amount"]), int(slots["deposit_months"]), Decimal(slots["deposit_rate"])
        result = (recurring_deposit(amount, rate, months) if kind == RECURRING
                  else time_deposit(amount, rate, months=months))
    except (InvalidOperation, ValueError):
        return Answer("您提供的存入金额、存期或利率无法计算，请核对后再告诉我。")
    render = render_recurring_deposit if kind == RECURRING else render_time_deposit
    tools = {"rate_source": "customer", "deposit_kind": kind, "deposit_amount": str(amount),
             "deposited": str(result.deposited), "annual_rate": str(rate), "deposit_months": str(months),
             "interest": str(result.interest), "maturity_amount": str(result.maturity_amount)}
    return Answer(f"按您提供的年利率{rate.normalize():f}%测算：{render(result)}", tools)


def _reference_at_stated_rate(slots: dict[str, str]) -> Answer:
    try:
        result = reference_return(Decimal(slots["invest_amount"]), Decimal(slots["expected_rate"]),
                                  int(slots["hold_days"]), None)
    except (InvalidOperation, ValueError):
        return Answer(f"您提供的投资金额、持有天数或年化收益率无法计算，请核对后再告诉我。{WEALTH_DISCLAIMER}")
    tools = {"rate_source": "customer", "amount": str(result.amount), "days": str(result.days),
             "benchmark_low_percent": str(result.benchmark_low_percent), "reference_low": str(result.reference_low),
             "days_in_year": "365"}
    return Answer(f"按您提供的年化收益率{result.benchmark_low_percent.normalize():f}%参考测算："
                  f"{result.amount.normalize():f}元持有{result.days}天，参考收益约{result.reference_low}元。"
                  f"该测算仅为示意，不代表实际收益。{WEALTH_DISCLAIMER}", tools)


def compound_answer(slots: dict[str, str]) -> Answer:
    """Compound growth at the customer's own rate; asks for what is missing."""
    missing = [label for key, label in COMPOUND_SLOTS.items() if key not in slots]
    if missing:
        return Answer(COMPOUND_PROMPT.format(missing="、".join(missing)))
    try:
        result = compound_growth(Decimal(slots["compound_principal"]), Decimal(slots["compound_rate"]),
                                 int(slots["compound_years"]), int(slots.get("compound_per_year", "1")))
    except (InvalidOperation, ValueError):
        return Answer("您提供的本金、利率或年数无法计算，请核对后再告诉我。")
    tools = {"rate_source": "customer", "principal": str(result.principal),
             "annual_rate": str(result.annual_rate_percent), "years": str(result.years),
             "periods_per_year": str(result.periods_per_year), "maturity_amount": str(result.maturity_amount),
             "interest": str(result.interest)}
    return Answer(render_compound_growth(result), tools)


def subscription_answer(slots: dict[str, str]) -> Answer:
    try:
        amount, rate = Decimal(slots["subscribe_amount"]), Decimal(slots["subscribe_fee_rate"])
        net, fee = subscription_fee(amount, rate)
    except (InvalidOperation, ValueError, KeyError):
        return Answer(SUBSCRIPTION_PROMPT)
    simple = to_fen(amount * rate / Decimal(100))
    return Answer(f"按您提供的申购费率{rate.normalize():f}%计算（基金申购费按外扣法收取）：申购{yuan(amount)}元，"
                  f"净申购金额{yuan(net)}元，申购费{yuan(fee)}元；直接按申购金额乘以费率估算为{yuan(simple)}元，"
                  f"实际以外扣法为准。确认份额=净申购金额÷申购当日基金份额净值。",
                  {"rate_source": "customer", "subscribe_amount": str(amount), "fee_rate": str(rate), "fee": str(fee),
                   "net": str(net)})


def redemption_answer(slots: dict[str, str]) -> Answer:
    try:
        amount, rate = Decimal(slots["redeem_amount"]), Decimal(slots["redeem_fee_rate"])
        fee = redemption_fee(amount, rate)
    except (InvalidOperation, ValueError, KeyError):
        return Answer(REDEMPTION_PROMPT)
    return Answer(f"按您提供的赎回费率{rate.normalize():f}%计算：赎回{yuan(amount)}元，赎回费约{yuan(fee)}元，"
                  f"到账约{yuan(amount - fee)}元。实际费率以产品说明书和持有期限为准。",
                  {"rate_source": "customer", "redeem_amount": str(amount), "fee_rate": str(rate), "fee": str(fee),
                   "net": str(amount - fee)})
