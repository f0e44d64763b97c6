"""Dynamic compliance layer: what a draft says about products is checked against the graph.

Every product a draft rests on (its source ids) must exist and be on sale; every percentage in the
draft must lie within the rate range of a product it cites; a wealth product must suit the
customer's risk level (R <= C, a hard rule). Pure: the products are looked up by the caller.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from agents.compliance.lexicon import Hit, LexiconEntry
from engines.graph import RISK_RANK

# A percentage stated as a rate: a rate word shortly before it (fees and shares are other numbers).
RATE_PERCENT = re.compile(r"(?:利率|年化|基准|收益率|利息)[^。；;,，%]{0,8}?(\d+(?:\.\d+)?)\s*%")
RULES = {
    "unknown_product": "数据核验：回复引用的产品在知识库中不存在",
    "withdrawn_product": "数据核验：回复引用的产品已停售",
    "rate_mismatch": "数据核验：回复中的利率/业绩比较基准与产品信息不一致",
    "unsuitable_product": "投资者适当性：产品风险等级不得高于客户风险承受能力等级（R ≤ C）",
}


def _hit(kind: str, text: str, start: int = 0, end: int | None = None, severity: str = "rewrite") -> Hit:
    end = len(text) if end is None else end
    return Hit(LexiconEntry(text[start:end][:24] or kind, kind, severity, RULES[kind]), start, end)


def dynamic_findings(text: str, source_ids: list[str], products: dict[str, dict[str, Any] | None],
                     customer_risk: str | None) -> list[Hit]:
    """Findings about the products behind ``text``; ``products`` maps each cited id to its node (or None)."""
    cited = [pid for pid in source_ids if pid.startswith("P-")]
    findings = []
    ranges = []
    for pid in cited:
        product = products.get(pid)
        if product is None:
            findings.append(_hit("unknown_product", text, severity="block"))
            continue
        if not product.get("on_sale", False):
            findings.append(_hit("withdrawn_product", text, severity="block"))
        level = product.get("risk_level")
        if customer_risk and level and RISK_RANK.get(level, 0) > RISK_RANK.get(customer_risk, 5):
            findings.append(_hit("unsuitable_product", text, severity="block"))
        if product.get("rate_min") is not None:
            ranges.append((Decimal(str(product["rate_min"])), Decimal(str(product.get("rate_max") or product["rate_min"]))))
    if ranges:
        for m in RATE_PERCENT.finditer(text):
            value = Decimal(m.group(1))
            if not any(low <= value <= high for low, high in ranges):
                findings.append(_hit("rate_mismatch", text, m.start(1), m.end()))
    return findings
