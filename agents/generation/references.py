"""Answers about a product the assistant offered before ("这个保本吗", "第二个风险高吗").

The generation worker remembers, per session, the products its last reply offered (``source_ids``);
a turn that points back to one is answered from *that* product's catalogue facts: risk level,
benchmark or rate, term, amount, and for a wealth product that it is not a deposit and does not
guarantee principal or returns, with the required disclosure.
"""
from __future__ import annotations

from typing import Any

from agents.generation.flows import Answer, ProductCatalogue, short_name
from domain.dialogue import referenced_position
from domain.disclosures import RISK_DISCLOSURE
from domain.numerals import numeric_form

TASK_OF_TYPE = {"wealth": "wealth_inquiry", "deposit": "wealth_inquiry", "loan": "loan_inquiry",
                "credit_card": "credit_card", "insurance": "insurance"}


def offered_products(source_ids: list[str]) -> list[str]:
    return [s for s in source_ids if s.startswith("P-")]


def referenced_product(text: str, offered: list[str], catalogue: ProductCatalogue | None) -> dict[str, Any] | None:
    """The offered product ``text`` points back to, by ordinal, pointer or name; None for none."""
    if not offered or catalogue is None:
        return None
    nodes = [n for n in (catalogue.product(pid) for pid in offered) if n is not None]
    named = next((n for n in nodes if numeric_form(short_name(n)) in numeric_form(text)), None)
    if named is not None:
        return named
    position = referenced_position(text)
    if position is None or not nodes or position >= len(nodes):
        return None
    return nodes[position]


def _range(low: Any, high: Any, unit: str) -> str:
    if low is None:
        return ""
    return f"{low}{unit}" if high in (None, low) else f"{low}{unit}–{high}{unit}"


def product_facts_answer(product: dict[str, Any]) -> Answer:
    """What the catalogue says of one product, in the words a customer asked about."""
    kind, name = product.get("type"), product["name"]
    parts = []
    if product.get("risk_level"):
        parts.append(f"风险等级为{product['risk_level']}")
    rate = _range(product.get("rate_min"), product.get("rate_max"), "%")
    if rate:
        parts.append(f"业绩比较基准为年化{rate}（不代表实际收益）" if kind == "wealth" else f"年化利率{rate}")
    term = _range(product.get("term_min"), product.get("term_max"), "个月")
    if term:
        parts.append(f"期限{term}")
    if product.get("on_sale") is not True:
        parts.append("目前已停售")
    text = f"您问的是{name}：{'，'.join(parts)}。" if parts else f"您问的是{name}。"
    if kind == "wealth":
        text += "该产品为理财产品，不是存款，不保证本金和收益，净值可能波动。" + RISK_DISCLOSURE
    elif kind == "loan":
        text += "这是贷款产品：您按期偿还本金和利息，它不是存款或理财，不涉及保本保息或投资收益。"
    elif kind == "deposit":
        text += "存款产品按约定利率计息，受存款保险制度保护。"
    elif kind == "insurance":
        text += ("保险产品由保险公司承保，不是银行存款，保障责任以保险合同为准。"
                 "保费按被保险人年龄、保额和缴费方式核定，以投保页面报价为准。")  # the catalogue has no premiums
    figures = {k: str(product[k]) for k in ("rate_min", "rate_max", "term_min", "term_max") if product.get(k) is not None}
    return Answer(text, figures, (product["id"],))


LISTED = 3
TYPE_WORDS = {"loan": "贷款", "wealth": "理财", "insurance": "保险", "credit_card": "信用卡", "deposit": "存款"}


def product_listing(facts: list[dict[str, Any]], catalogue: ProductCatalogue | None) -> Answer | None:
    """A numbered list of the products retrieval found (at most three), so "第二个" can point back;
    None when fewer than two products were found."""
    ids = [f["source_id"] for f in facts if f.get("kind") == "product"][:LISTED]
    nodes = [n for n in (catalogue.product(i) for i in ids) if n is not None] if catalogue is not None else []
    if len(nodes) < 2:
        return None
    lines = []
    for i, node in enumerate(nodes, 1):
        bits = [f"风险等级{node['risk_level']}"] if node.get("risk_level") else []
        rate = _range(node.get("rate_min"), node.get("rate_max"), "%")
        if rate:
            bits.append(f"业绩比较基准年化{rate}" if node.get("type") == "wealth" else f"年化利率{rate}")
        lines.append(f"{i}. {node['name']}" + (f"（{'，'.join(bits)}）" if bits else ""))
    kinds = {TYPE_WORDS.get(n.get("type"), "") for n in nodes}
    kind = kinds.pop() if len(kinds) == 1 else ""
    text = f"为您找到以下在售{kind}产品：" + "；".join(lines) + "。想了解哪一款，可以告诉我“第几个”。"
    if any(n.get("type") == "wealth" for n in nodes):
        text += "业绩比较基准不代表实际收益。"
    return Answer(text, {}, tuple(n["id"] for n in nodes))
