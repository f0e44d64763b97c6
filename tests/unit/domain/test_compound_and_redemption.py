from decimal import Decimal

import pytest

from agents.generation.logic import compose
from agents.intent.slots import extract_slots
from domain.savings import compound_growth, redemption_fee, subscription_fee
from tests.samples import SAMPLES


@pytest.mark.parametrize("principal,rate,years,m", [(100000, "3", 5, 1), (50000, "2.4", 3, 12), (8000, "4.5", 10, 4)])
def test_compound_growth_matches_the_closed_form(principal, rate, years, m):
    result = compound_growth(Decimal(principal), Decimal(rate), years, m)
    exact = principal * (1 + float(rate) / 100 / m) ** (m * years)  # float, independent of the Decimal path
    assert abs(float(result.maturity_amount) - exact) < 0.006
    assert result.interest == result.maturity_amount - Decimal(principal)


def test_redemption_fee_and_bad_inputs():
    assert redemption_fee(Decimal(100000), Decimal("0.5")) == Decimal("500.00")
    with pytest.raises(ValueError):
        compound_growth(Decimal(1000), Decimal("3"), 0)


def test_subscription_fee_is_charged_on_top():
    net, fee = subscription_fee(Decimal(100000), Decimal("1.5"))
    assert (net, fee) == (Decimal("98522.17"), Decimal("1477.83")) and net + fee == 100000
    with pytest.raises(ValueError):
        subscription_fee(Decimal(1000), Decimal("12"))


@pytest.mark.parametrize("text,figure", [("10万 年化3% 每年复利 存5年 本息一共多少", "115,927.41"),
                                         ("赎回10万 赎回费率0.5% 手续费多少", "500.00"),
                                         ("买10万的基金，申购费率1.5%，手续费多少", "1,477.83"),
                                         ("申购5000元基金 费率0.15% 申购费多少", "7.49")])
def test_the_customers_question_is_answered_with_their_figures(text, figure):
    context = {**SAMPLES["Context"], "text": text, "intent": "wealth_calc", "turn_task": "wealth_calc",
               "slots": extract_slots(text), "facts": []}
    [draft] = compose(context)
    assert figure in draft.datum["text"] and draft.datum["tool_results"]["rate_source"] == "customer"
