import pytest

from agents.compliance.rate_claims import rate_claims


@pytest.mark.parametrize("text", [
    "日息万三，很便宜，随借随还",
    "信用卡分期月费率0.5%，折算下来年利率才6%，比房贷还低。",
    "每期手续费率0.6%，相当于年化利率7.2%",
    "借1万一天才2块5，比奶茶还便宜",
    "这笔贷款一天只要几毛钱",
])
def test_a_played_down_or_falsely_annualised_cost_is_a_hidden_cost(text):
    assert [h.entry.category for h in rate_claims(text)] == ["hidden_loan_cost"]


@pytest.mark.parametrize("text", [
    "日利率万分之五（年化利率18.25%，单利）",
    "月费率0.6%，折合年化利率约10.8%",  # the honest annualisation of a fee on the original principal
    "贷款月利率0.5%，年利率6%",  # an interest rate on the balance does annualise by ×12
    "每天存10元，一年就能攒下3650元",
    "借1万一天利息2.5元，折合年化利率9.13%",
    "每期手续费率0.6%，每期手续费60元，折合年化利率约10.9%",
    "日利率0.05%，审核通过后才放款",  # "才" about something else, in another clause
    "借款额度5万，每天最多转出不到5000元",  # a daily limit, not a daily cost
])
def test_rates_stated_with_their_annualised_rate_pass(text):
    assert rate_claims(text) == []


def test_spans_point_at_the_periodic_figure():
    text = "您好，日息万三，很便宜"
    (hit,) = rate_claims(text)
    assert text[hit.start:hit.end].startswith("日息")
