import pytest

from agents.compliance.dynamic import dynamic_findings

LOAN = {"id": "P-LOAN-001", "name": "安居装修贷", "type": "loan", "rate_min": 3.2, "rate_max": 6.0, "on_sale": True, "risk_level": None}
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


@pytest.mark.parametrize("level,unsuitable", [("C2", True), ("C3", True), ("C4", False), ("C5", False), (None, True)])
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


CARD = {"id": "P-CARD-002", "type": "credit_card", "rate_min": None, "on_sale": True, "risk_level": None,
        "fees": [{"name": "年费", "value": "200元，首年免年费，当年刷卡满6次免次年年费"},
                 {"name": "账单分期手续费", "value": "12期每期0.60%起，折合年化利率约13.03%起"},
                 {"name": "取现手续费", "value": "境内取现按取现金额的1%收取，最低10元"}]}


@pytest.mark.parametrize("text,wrong", [
    ("这张卡年费200元，首年免年费。", False),
    ("账单分期手续费每期0.60%。", False),
    ("取现手续费1%，最低10元。", False),
    ("这张卡年费100元。", True),
    ("账单分期手续费率为0.45%。", True),
    ("这张卡取现手续费免收。", True),
    ("跨行转账手续费0元。", False),  # not a fee of the cited card: nothing in the graph to check it against
])
def test_fees_in_a_draft_are_checked_against_the_cited_products_fees(text, wrong):
    found = dynamic_findings(text, ["P-CARD-002"], {"P-CARD-002": CARD}, None)
    assert ("fee_mismatch" in kinds(found)) is wrong


def test_a_waived_fee_the_product_charges_is_caught():
    found = dynamic_findings("现在办理免取现手续费。", ["P-CARD-002"], {"P-CARD-002": CARD}, None)
    assert kinds(found) == ["fee_mismatch"]


class FixedBureau:
    def __init__(self, **fields):
        from engines.bureau import CreditReport

        base = {"customer_id": "C1", "score": 720, "overdue_24m": 0, "monthly_debt_service": 0, "queries_6m": 1,
                "monthly_income": 20_000}
        self.report_value = CreditReport(**{**base, **fields})
        self.asked = []

    def report(self, customer_id):
        self.asked.append(customer_id)
        return self.report_value


def credit(text, bureau, customer_id="C-001", products=None):
    products = products if products is not None else {"P-LOAN-001": LOAN}
    return [h for h in dynamic_findings(text, list(products), products, None, customer_id=customer_id,
                                        bureau=bureau) if h.entry.category == "credit_claim_unsupported"]


def test_an_amount_within_the_bureau_backed_ceiling_passes():
    # income 20,000 at a 50% cap -> 10,000/month; 12 months at 3.2% supports ~118,000.
    bureau = FixedBureau()
    assert credit("根据您的征信情况，您预审通过，可贷10万元。", bureau) == []
    assert bureau.asked == ["C-001"]


def test_an_amount_above_the_ceiling_or_a_declined_customer_blocks():
    [hit] = credit("恭喜，您最高可贷50万元。", FixedBureau())
    assert hit.entry.severity == "block"
    assert credit("恭喜，您已通过预审，可贷5000万元。", FixedBureau())  # the amount a few characters on
    assert credit("您已通过预审。", FixedBureau(score=500))
    assert credit("您已通过预审，可贷5万元。", FixedBureau(monthly_debt_service=10_000))


def test_a_credit_claim_without_a_customer_id_or_a_loan_product_blocks():
    assert credit("您已通过预审。", FixedBureau(), customer_id=None)
    assert credit("您已通过预审。", FixedBureau(), products={})


def test_generic_product_facts_are_not_customer_credit_claims():
    bureau = FixedBureau(score=400)
    assert credit("该产品最高可贷30万元，以审批结果为准。", bureau) == []
    assert bureau.asked == []
