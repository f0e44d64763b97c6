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
