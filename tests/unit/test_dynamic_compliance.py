import pytest

from agents.compliance.dynamic import dynamic_findings

LOAN = {"id": "P-LOAN-001", "type": "loan", "rate_min": 3.2, "rate_max": 6.0, "on_sale": True, "risk_level": None}
R4 = {"id": "P-WEALTH-004", "type": "wealth", "rate_min": 2.0, "rate_max": 6.0, "on_sale": True, "risk_level": "R4"}


def kinds(findings):
    return sorted(h.entry.category for h in findings)


def test_consistent_draft_passes():
    assert dynamic_findings("安居装修贷年化利率3.2%–6.0%。", ["P-LOAN-001", "FAQ-1"], {"P-LOAN-001": LOAN}, None) == []


def test_a_rate_outside_the_product_range_is_caught():
    [hit] = dynamic_findings("安居装修贷年化利率仅2.5%。", ["P-LOAN-001"], {"P-LOAN-001": LOAN}, None)
    assert hit.entry.category == "rate_mismatch" and "2.5%" in hit.entry.phrase


@pytest.mark.parametrize("product,kind", [(None, "unknown_product"), ({**LOAN, "on_sale": False}, "withdrawn_product")])
def test_missing_or_withdrawn_products_block(product, kind):
    [hit] = dynamic_findings("推荐这款贷款。", ["P-LOAN-001"], {"P-LOAN-001": product}, None)
    assert hit.entry.category == kind and hit.entry.severity == "block"


@pytest.mark.parametrize("level,unsuitable", [("C2", True), ("C3", True), ("C4", False), ("C5", False), (None, False)])
def test_suitability_is_rechecked(level, unsuitable):
    found = dynamic_findings("推荐进取型理财。", ["P-WEALTH-004"], {"P-WEALTH-004": R4}, level)
    assert ("unsuitable_product" in kinds(found)) is unsuitable


def test_review_blocks_a_withdrawn_product_and_rewrites_a_wrong_rate():
    from agents.compliance.lexicon import default_lexicon
    from agents.compliance.logic import review
    from tests.samples import SAMPLES

    draft = {**SAMPLES["DraftReply"], "text": "安居装修贷年化利率低至2.5%。欢迎申请。", "source_ids": ["P-LOAN-001"]}
    reply, _ = review(draft, default_lexicon(), 1, products={"P-LOAN-001": LOAN})
    assert reply.datum["status"] == "rewritten" and "2.5%" not in reply.datum["text"]
    assert "rate_mismatch" in " ".join(reply.datum["compliance_flags"])
    reply, _ = review(draft, default_lexicon(), 1, products={"P-LOAN-001": {**LOAN, "on_sale": False}})
    assert reply.datum["status"] == "blocked"
