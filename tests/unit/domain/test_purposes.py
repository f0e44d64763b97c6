import json

import pytest

from domain.purposes import excluded_purposes, serves
from streams.settings import REPO_DIR
from tests.fakes import InMemoryCatalogue


@pytest.mark.parametrize("terms,excluded", [
    ("以本人住房抵押的大额消费贷款，用于装修、购车以外的大额家庭消费。", {"装修", "购车"}),
    ("贷款资金不得用于购房、偿还住房贷款、投资股票基金等证券。", {"购房"}),
    ("可用于装修、购车、教育等合法消费。", set()),
])
def test_terms_exclude_purposes(terms, excluded):
    assert excluded_purposes(terms) == excluded


def test_a_product_is_never_offered_for_a_purpose_its_terms_exclude():
    slip = {"id": "P-X", "type": "loan", "name": "抵押消费贷", "on_sale": True, "rate_min": 3.0, "amount_min": 1,
            "amount_max": 10**7, "purposes": ["消费", "装修"], "description": "用于装修、购车以外的大额家庭消费"}
    catalogue = InMemoryCatalogue([slip])
    assert catalogue.loan_products("装修", 300_000) == [] and catalogue.loan_products("消费", 300_000)
    assert serves(slip["purposes"], slip["description"]) == ["消费"]


def test_the_curated_catalogue_lists_no_purpose_its_own_terms_exclude():
    rows = [json.loads(line) for line in (REPO_DIR / "data" / "knowledge" / "products.jsonl").read_text().splitlines()]
    slips = [r["id"] for r in rows if r["type"] == "loan" and serves(r["purposes"], r["description"]) != r["purposes"]]
    assert slips == []
