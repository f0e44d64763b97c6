"""Dynamic compliance layer: what a draft says about products and credit is checked against the
authorities — the knowledge graph for products, rates and fees, the credit bureau for approvals.

Every product a draft rests on (its source ids) must exist and be on sale; every percentage stated
as a rate must lie within the range of a product it cites; every fee it states must be one of the
cited products' fees with the same figure; a wealth product must suit the customer's risk level
(R <= C, a hard rule; C1 while the level is unknown); a claim that the customer is approved or may borrow an amount must be
backed by the bureau's report under the pre-approval rules. Pure: the products are looked up by
the caller, the bureau is injected.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from agents.compliance.lexicon import Hit, LexiconEntry
from domain.preapproval import pre_approve
from domain.risk import exceeds
from engines.bureau import CreditBureau

# A percentage stated as a rate: a rate word shortly before it (fees and shares are other numbers).
RATE_PERCENT = re.compile(r"(?:利率|年化|基准|收益率|利息)[^。；;,，%]{0,8}?(\d+(?:\.\d+)?)\s*%")
# A fee and what the draft says it costs: a figure (percent or yuan) or "free".
FEE_CLAIM = re.compile(
    r"(?P<name>[\u4e00-\u9fa5/]{0,6}?(?:费|违约金|罚息))(?:率)?[为是：:约仅只收取按]{0,4}"
    r"(?:(?P<free>免收|免费|全免|不收|为零|0元)|(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|元))")
FEE_WAIVED = re.compile(r"免(?:收)?(?P<name>[\u4e00-\u9fa5]{0,6}?(?:费|违约金))")
# A statement that this customer is approved or may borrow an amount.
CREDIT_CLAIM = re.compile(
    r"您[^。；;！!？?]{0,6}?(?:预审通过|通过预审|通过审批|获批|可贷|可以贷|能贷|可借|能借|授信额度|预批额度|预审额度)"
    r"(?:[^。；;！!？?\d]{0,10}(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万元|万|元))?")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
RULES = {
    "unknown_product": "数据核验：回复引用的产品在知识库中不存在",
    "withdrawn_product": "数据核验：回复引用的产品已停售",
    "rate_mismatch": "数据核验：回复中的利率/业绩比较基准与产品信息不一致",
    "fee_mismatch": "数据核验：回复中的费用与产品收费信息不一致",
    "unsuitable_product": "投资者适当性：产品风险等级不得高于客户风险承受能力等级（R ≤ C）",
    "credit_claim_unsupported": "授信核验：审批结论和额度须以征信等权威数据为据，不得承诺或夸大",
}


def _hit(kind: str, text: str, start: int = 0, end: int | None = None, severity: str = "rewrite") -> Hit:
    end = len(text) if end is None else end
    return Hit(LexiconEntry(text[start:end][:24] or kind, kind, severity, RULES[kind]), start, end)


def _figures(value: str) -> set[Decimal]:
    return {Decimal(n) for n in NUMBER.findall(value)}


def _named(fees: list[dict[str, Any]], stated: str) -> list[dict[str, Any]]:
    """The fees a stated fee name refers to: '年费' -> 年费, '手续费' -> every 手续费, '取现手续费' -> that one."""
    return [f for f in fees if f["name"] in stated or stated in f["name"]]


def _free(fee: dict[str, Any]) -> bool:
    return Decimal(0) in _figures(fee["value"]) or "免" in fee["value"]


def fee_findings(text: str, fees: list[dict[str, Any]]) -> list[Hit]:
    """Stated fees of the cited products that their fees of that name do not bear out."""
    findings = []
    for m in FEE_CLAIM.finditer(text):
        named = _named(fees, m.group("name"))
        if not named:
            continue  # not a fee of a cited product (an FAQ's transfer fee, say): nothing to check against
        if m.group("free"):
            ok = any(_free(f) for f in named)
        else:
            ok = any(Decimal(m.group("num")) in _figures(f["value"]) for f in named)
        if not ok:
            findings.append(_hit("fee_mismatch", text, m.start(), m.end()))
    for m in FEE_WAIVED.finditer(text):
        named = _named(fees, m.group("name"))
        if named and not any(_free(f) for f in named):
            findings.append(_hit("fee_mismatch", text, m.start(), m.end()))
    return findings


def _yuan(m: re.Match[str]) -> Decimal | None:
    if not m.group("num"):
        return None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    return value * 10_000 if m.group("unit").startswith("万") else value


def credit_findings(text: str, customer_id: str | None, loans: list[dict[str, Any]],
                    bureau: CreditBureau | None) -> list[Hit]:
    """Approval or amount claims the bureau's report does not support (blocks: a false approval
    promise to a customer is a breach, not a wording problem)."""
    claims = list(CREDIT_CLAIM.finditer(text))
    if not claims or bureau is None:
        return []
    outcome = pre_approve(bureau.report(customer_id), None, loans) if customer_id and loans else None
    ceiling = max((p.amount for p in outcome.plans), default=Decimal(0)) if outcome and outcome.approved else None
    findings = []
    for m in claims:
        amount = _yuan(m)
        if ceiling is None or (amount is not None and amount > ceiling):
            findings.append(_hit("credit_claim_unsupported", text, m.start(), m.end(), severity="block"))
    return findings


def dynamic_findings(text: str, source_ids: list[str], products: dict[str, dict[str, Any] | None],
                     customer_risk: str | None, *, customer_id: str | None = None,
                     bureau: CreditBureau | None = None) -> list[Hit]:
    """Findings about the products and credit claims in ``text``; ``products`` maps each cited id
    to its node (or None), with its fees under ``fees`` when the caller looked them up."""
    cited = [pid for pid in source_ids if pid.startswith("P-")]
    findings = []
    ranges = []
    fees: list[dict[str, Any]] = []
    loans = []
    for pid in cited:
        product = products.get(pid)
        if product is None:
            findings.append(_hit("unknown_product", text, severity="block"))
            continue
        if not product.get("on_sale", False):
            findings.append(_hit("withdrawn_product", text, severity="block"))
        level = product.get("risk_level")
        # An unknown customer is treated as C1, as retrieval and generation treat them.
        if level and exceeds(level, customer_risk):
            findings.append(_hit("unsuitable_product", text, severity="block"))
        if product.get("rate_min") is not None:
            ranges.append((Decimal(str(product["rate_min"])), Decimal(str(product.get("rate_max") or product["rate_min"]))))
        fees.extend(product.get("fees") or [])
        if product.get("type") == "loan" and product.get("on_sale") and product.get("rate_min") is not None:
            loans.append(product)
    if ranges:
        for m in RATE_PERCENT.finditer(text):
            value = Decimal(m.group(1))
            if not any(low <= value <= high for low, high in ranges):
                findings.append(_hit("rate_mismatch", text, m.start(1), m.end()))
    if cited:
        findings += fee_findings(text, fees)
    findings += credit_findings(text, customer_id, loans, bureau)
    return findings


def needs_whole_reply(sentence: str) -> bool:
    """A sentence stating a rate, a fee or a credit outcome can only be judged with the reply's cited
    products, the customer and the bureau — so it is never streamed; the checked reply carries it."""
    return bool(RATE_PERCENT.search(sentence) or FEE_CLAIM.search(sentence) or FEE_WAIVED.search(sentence)
                or CREDIT_CLAIM.search(sentence))
