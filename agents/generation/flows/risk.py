"""The risk questionnaire as seen by generation: the next question, a re-ask, or the result with
the on-sale wealth products that suit the new level (R <= C).

The flow's progress lives in the dialogue state (``flow``: name + ``QState.to_dict()``); the state
stage advances it and this module only renders it.
"""
from __future__ import annotations

from typing import Any

from agents.generation.flows import Answer, Grounding, product_nodes
from domain import questionnaire
from domain.disclosures import RISK_DISCLOSURE
from domain.risk import exceeds, suitable

PRODUCTS_SHOWN = 3
INTRO = f"好的，下面进行风险承受能力评估，共{len(questionnaire.QUESTIONS)}题，请回复选项字母（如A）或序号。\n"


def suitable_products(context: dict[str, Any], grounding: Grounding, level: str) -> list[dict[str, Any]]:
    """Wealth products for ``level``: the Context's product facts, else the graph's, filtered R <= C."""
    nodes = product_nodes(context.get("facts", []), grounding.catalogue, "wealth")
    if not nodes and grounding.catalogue is not None:
        nodes = [row["product"] for row in grounding.catalogue.suitable_wealth(level, limit=PRODUCTS_SHOWN * 2)]
    return list(suitable(nodes, level))[:PRODUCTS_SHOWN]


def questionnaire_answer(state: questionnaire.QState, context: dict[str, Any], grounding: Grounding) -> Answer:
    total = str(len(questionnaire.QUESTIONS))
    if not state.done:
        index = len(state.answers)
        tools = {"questionnaire": questionnaire.VERSION, "question": str(index + 1), "questions": total}
        if state.retries:
            return Answer(f"{questionnaire.INVALID_HINT}\n{questionnaire.question_text(index)}", tools)
        return Answer((INTRO if index == 0 else "") + questionnaire.question_text(index), tools)
    level = questionnaire.result(state)
    products = suitable_products(context, grounding, level)
    text = questionnaire.result_text(state)
    if products:
        text += f"目前适合您的在售理财产品有：{'、'.join(str(p['name']) for p in products)}。{RISK_DISCLOSURE}"
    tools = {"questionnaire": questionnaire.VERSION, "questions": total, "score": str(questionnaire.score(state)),
             "customer_risk": level, "max_product_risk": f"R{level[1]}"}
    return Answer(text, tools, tuple(str(p["id"]) for p in products))


def suitability_answer(customer_level: str, product_risk: str) -> Answer:
    """"我是C2，能买R4吗": the rule applied to the two levels the customer named (R <= C)."""
    top = f"R{customer_level[1]}"
    if exceeds(product_risk, customer_level):
        text = (f"不能。按适当性管理要求，风险承受能力{customer_level}的客户可购买{top}级及以下的产品，"
                f"{product_risk}级产品超出了您的风险承受能力，本行不会向您销售。如您的情况有变化，可重新进行风险测评。")
    else:
        text = (f"可以。风险承受能力{customer_level}的客户可购买{top}级及以下的产品，{product_risk}级在此范围内。"
                f"购买前请仔细阅读产品说明书，了解产品不保本、净值可能波动等风险。")
    return Answer(text, {"customer_risk": customer_level, "product_risk": product_risk, "max_product_risk": top})


def wanted_level_answer(product_risk: str, customer_risk: str | None, context: dict[str, Any],
                        grounding: Grounding) -> Answer:
    """"我想买R4的理财": the products of the level asked for when the customer's own level allows them;
    the rule and the way to a level otherwise — never products of another level instead."""
    need = f"C{product_risk[1]}"
    if customer_risk is None:
        return Answer(f"{product_risk}级产品适合风险承受能力{need}及以上的客户。按适当性管理要求，购买前需先完成风险测评；"
                      f"请问您做过风险测评吗？可以告诉我您的测评等级，或回复“开始测评”。",
                      {"product_risk": product_risk, "min_customer_risk": need})
    if exceeds(product_risk, customer_risk):
        return suitability_answer(customer_risk, product_risk)
    products = [p for p in suitable_products(context, grounding, customer_risk)
                if str(p.get("risk_level", "")).upper() == product_risk]
    if not products:
        return Answer(f"您的风险承受能力{customer_risk}可以购买{product_risk}级产品，但目前没有在售的{product_risk}级理财产品。"
                      f"{RISK_DISCLOSURE}", {"customer_risk": customer_risk, "product_risk": product_risk})
    return Answer(f"适合您（{customer_risk}）的在售{product_risk}级理财产品有：{'、'.join(str(p['name']) for p in products)}。"
                  f"{RISK_DISCLOSURE}", {"customer_risk": customer_risk, "product_risk": product_risk},
                  tuple(str(p["id"]) for p in products))


def level_meaning(customer_level: str) -> Answer:
    """"我是C4，这是什么意思": what the level means and what it may buy."""
    top = f"R{customer_level[1]}"
    text = (f"{customer_level}表示您的风险承受能力等级为{questionnaire.LEVEL_NAMES[customer_level]}（C1最保守，C5最进取）。"
            f"按适当性管理要求，您可购买风险等级{top}级及以下的产品；风险测评结果一般有有效期，情况变化时可重新测评。")
    return Answer(text, {"customer_risk": customer_level, "max_product_risk": top})
