from domain.disclosures import RISK_DISCLOSURE, has_risk_disclosure, with_risk_disclosure


def test_the_disclosure_is_added_once_however_it_was_punctuated():
    faq = "净值下跌本身不属于银行过错。理财非存款、产品有风险、投资须谨慎。"
    assert has_risk_disclosure(faq) and with_risk_disclosure(faq) == faq
    assert with_risk_disclosure("这款理财为R2级。") == "这款理财为R2级。" + RISK_DISCLOSURE
    assert not has_risk_disclosure("理财非存款。")
