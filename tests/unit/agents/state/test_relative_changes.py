"""Relative changes resolved against the state: rates by percentage points, a first "再借" as the amount."""
from __future__ import annotations

from agents.intent.slots import extract_slots
from agents.state.logic import advance
from tests.samples import SAMPLES


def track(*texts):
    state = None
    for n, text in enumerate(texts, 1):
        nlu = {**SAMPLES["Understanding"], "turn_id": n, "text": text, "intent": "loan_inquiry", "confidence": 0.9,
               "slots": extract_slots(text), "needs_clarification": False}
        state, _ = advance(state, nlu)
    return state["slots"]


def test_a_rate_moves_by_points_and_the_rest_stays():
    assert track("车贷 18万 36期 年化3.8", "帮我按利率再低0.3个点算一下") == {
        "loan_purpose": "购车", "amount": "180000", "term_months": "36", "annual_rate": "3.5"}


def test_term_halved_and_shortened():
    assert track("借款40万 分10年", "期限减半")["term_months"] == "60"
    assert track("我要贷款100万买房 30年", "期限少5年")["term_months"] == "300"


def test_borrowing_more_with_nothing_held_is_the_amount():
    assert track("之前借的10万已经还清了", "现在想再借20万装修")["amount"] == "200000"


def test_a_price_and_a_down_payment_make_the_loan_the_rest():
    assert track("买车", "车价30万", "首付10万", "剩下的贷款 分3年")["amount"] == "200000"
    assert track("借钱买车", "看中一台三十万的车", "首付一半剩下的贷款")["amount"] == "150000"


def test_a_down_payment_names_a_home_only_while_nothing_else_named_the_purpose():
    assert track("贷款买车二十万", "首付多付了五万，少贷五万") == {"loan_purpose": "购车", "amount": "150000"}
    assert track("首付30万 贷款70万")["loan_purpose"] == "购房"


def test_what_the_money_is_for_fills_only_an_empty_slot():
    assert track("孩子上大学要贷款", "贷三万", "四年", "学费一年一万五左右")["amount"] == "30000"
    assert track("读研学费要六万能分两年还吗")["amount"] == "60000"


def test_rate_moves_in_points_and_basis_points():
    assert track("借款40万利率3.85%", "按上浮0.2个百分点算")["annual_rate"] == "4.05"
    assert track("贷款100万，利率4.2%，30年", "在这个利率基础上减20个基点")["annual_rate"] == "4"
