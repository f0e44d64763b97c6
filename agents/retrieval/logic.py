"""Retrieval stage: intent and slots become graph lookups, the utterance a vector search over FAQs;
the results are fused, deduplicated and carried with their source ids into a Context event.

Pure: the graph and the FAQ search are injected (Neo4j and FAISS in the worker, fakes in tests).
Withdrawn products never come back from the graph, so they never reach a Context.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from contracts.records import carry
from contracts.stage import Emit
from contracts.topics import CONTEXT
from domain.dialogue import asks_for_products, asks_specific
from domain.high_risk import REPORTED
from engines.graph import KnowledgeGraph

TOP_FAQS = 4
MAX_FACTS = 6
LOAN_TASKS = {"loan_inquiry", "repayment_calc"}
WEALTH_TASKS = {"wealth_inquiry", "wealth_calc", "risk_assessment"}
TYPE_TASKS = {"insurance": "insurance", "credit_card": "credit_card"}
FaqSearch = Callable[[str, int, dict[str, float]], list[tuple[dict[str, Any], float]]]


def _range(low: Any, high: Any, unit: str) -> str:
    if low is None and high is None:
        return ""
    if low == high or high is None:
        return f"{low}{unit}"
    if low is None:
        return f"最高{high}{unit}"
    return f"{low}–{high}{unit}"


AMOUNT_LABEL = {"insurance": "保额", "credit_card": "额度", "wealth": "起购及上限", "deposit": "起存及上限"}


def product_fact(p: dict[str, Any], score: float) -> dict[str, Any]:
    parts = []
    label = "业绩比较基准" if p["type"] == "wealth" else "年化利率"
    if p.get("rate_min") is not None:
        parts.append(f"{label}{_range(p.get('rate_min'), p.get('rate_max'), '%')}")
    if p.get("term_min") is not None:
        parts.append(f"期限{_range(p.get('term_min'), p.get('term_max'), '个月')}")
    if p.get("amount_min") is not None or p.get("amount_max") is not None:
        label = AMOUNT_LABEL.get(p["type"], "金额")
        parts.append(f"{label}{_range(p.get('amount_min'), p.get('amount_max'), '元')}")
    if p.get("risk_level"):
        parts.append(f"风险等级{p['risk_level']}")
    description = (p.get("description") or "").strip()
    if description and not description.endswith(("。", "！", "？")):
        description += "。"
    summary = f"{'，'.join(parts)}。" if parts else ""
    return {"source_id": p["id"], "kind": "product", "title": p["name"],
            "content": f"{p['name']}：{description}{summary}", "score": score}


def task_of(state: dict[str, Any]) -> str | None:
    # An "other" turn looks up its own task only (a follow-up "30万吧"), never the session's by default.
    return state["intent"] if state["intent"] != "other" else state.get("turn_task")


def needs_catalogue(state: dict[str, Any]) -> bool:
    """Whether the turn looks products up in the graph."""
    return task_of(state) in LOAN_TASKS | WEALTH_TASKS | TYPE_TASKS.keys()


def graph_facts(task: str | None, slots: dict[str, str], graph: KnowledgeGraph) -> list[dict[str, Any]]:
    if task in LOAN_TASKS:
        amount = int(float(slots["amount"])) if "amount" in slots else None
        products = graph.loan_products(slots.get("loan_purpose"), amount)
    elif task in WEALTH_TASKS:
        # Suitability is a hard rule: without a known level only C1-suitable (R1) products are shown.
        products = graph.suitable_wealth(slots.get("customer_risk", "C1"))
    elif task in TYPE_TASKS:
        products = graph.products_of_type(TYPE_TASKS[task])
    else:
        return []
    return [product_fact(row["product"], 1.0 - 0.01 * i) for i, row in enumerate(products)]


def products_first(state: dict[str, Any], task: str | None) -> bool:
    """Products lead when the customer asks for products, or states a loan's purpose and amount (the
    offer is then purpose-true); a question about how something works is the FAQ's."""
    slots = state.get("slots", {})
    # "我征信有过两次逾期还能贷吗" with purpose and amount held: a question of its own, for the FAQ
    own_question = asks_specific(state["text"]) and not state.get("turn_slots")
    return asks_for_products(state["text"]) or (task in LOAN_TASKS and {"loan_purpose", "amount"} <= slots.keys()
                                                and not own_question)


def faq_facts(text: str, intent: str, confidence: float, faq_search: FaqSearch,
              state: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    if state is not None and leans_on_task(text, state):
        # "多少钱一年" after an insurance offer: the task's own FAQs, looked for deeper, never another
        # topic's (the FX quota's "每年")
        found = [(faq, score) for faq, score in faq_search(text, DEEP_FAQS, {intent: confidence})
                 if same_topic(faq.get("intent"), state["turn_task"])][:TOP_FAQS]
    else:
        found = faq_search(text, TOP_FAQS, {intent: confidence})
    return [{"source_id": faq["id"], "kind": "faq", "title": faq["question"], "content": faq["answer"],
             "score": round(score, 4)} for faq, score in found]


DEEP_FAQS = 24
BARE_TURN = 8  # characters besides punctuation: "多少钱一年", "能退吗" lean on what was just said
TASK_GROUPS = (LOAN_TASKS, WEALTH_TASKS)


def same_topic(faq_intent: str | None, task: str) -> bool:
    return faq_intent == task or any(faq_intent in g and task in g for g in TASK_GROUPS)


def leans_on_task(text: str, state: dict[str, Any]) -> bool:
    """A bare turn inside a task the conversation already had (not its first turn)."""
    task = state.get("turn_task")
    return (task is not None and task not in ("card_security", "complaint") and len(state.get("history") or []) >= 2
            and state.get("intent") == task and len(re.sub(r"[\s,，。.!！?？~～]", "", text)) <= BARE_TURN)


SCAM_MEMORY = 2  # turns back whose revealed scam a fraud follow-up still belongs to


def scam_facts(state: dict[str, Any], scam_match: Callable[[str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The scams this turn reveals; a fraud turn that reveals none of its own continues the one just told
    ("有个自称淘宝客服的让我开屏幕共享…" … "他现在让我打开手机银行") and gets its advice again."""
    own = scam_match(state["text"])
    earlier_turns = (state.get("history") or [])[-SCAM_MEMORY - 1:-1]
    # a transfer asked right after a fraud was told ("我要转10万给他") is answered as that fraud, too
    fraud_talk = ((state.get("intent") == "card_security" and state.get("active_task") == "card_security")
                  or (state.get("intent") == "transfer" and any(m.get("intent") == "card_security" for m in earlier_turns)))
    if own or not (fraud_talk or REPORTED.search(state["text"])):  # "让转5万" after "对方说是她儿子，出车祸要钱"
        return own
    earlier = [m["text"] for m in earlier_turns]
    return scam_match("。".join(earlier)) if earlier else []


def retrieve(state: dict[str, Any], graph: KnowledgeGraph, faq_search: FaqSearch,
             scam_match: Callable[[str], list[dict[str, Any]]] | None = None) -> list[Emit]:
    """The turn's Context: scam advice first when the turn reveals a scam (whatever its intent), then
    FAQs and products in the order the turn asks for (``products_first``)."""
    task = task_of(state)
    facts: list[dict[str, Any]] = []
    seen: set[str] = set()
    scams = scam_facts(state, scam_match) if scam_match is not None else []
    faqs = faq_facts(state["text"], state["intent"], state.get("confidence", 0.0), faq_search, state)
    products = graph_facts(task, state.get("slots", {}), graph)
    for fact in scams + (products + faqs if products_first(state, task) else faqs + products):
        if fact["source_id"] not in seen:
            seen.add(fact["source_id"])
            facts.append(fact)
    return [Emit(CONTEXT, "Context", {
        **carry(state, "text", "intent", "confidence", "slots", "active_task", "turn_task", "emotion",
                "emotion_trajectory", "needs_clarification", "flow"),
        "facts": facts[:MAX_FACTS],
    })]
