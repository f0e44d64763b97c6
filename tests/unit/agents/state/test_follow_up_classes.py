"""Follow-ups that lean on the task in progress, and turns that only look like them."""
from agents.state.logic import advance


def nlu(turn, text, intent, confidence=0.9, slots=None):
    return {"session_id": "s", "turn_id": turn, "customer_id": None, "channel": "app", "text": text,
            "intent": intent, "confidence": confidence, "slots": slots or {}, "emotion": "neutral",
            "needs_clarification": False, "engine": "test", "received_at_ms": 0}


def run(*turns):
    state = None
    for n, (text, intent, confidence, slots) in enumerate(turns, 1):
        state, _ = advance(state, nlu(n, text, intent, confidence, slots))
    return state


def test_a_modifier_fragment_completes_the_task_but_an_acknowledgement_does_not():
    assert run(("我想查下交易记录", "account_query", 0.95, {}), ("上个月的", "other", 0.83, {}))["intent"] == "account_query"
    assert run(("我想贷款", "loan_inquiry", 0.95, {}), ("好的", "other", 0.99, {}))["intent"] == "other"


def test_a_calculation_with_its_own_figures_is_not_pulled_back_by_its_opening_word():
    slots = {"deposit_amount": "200000", "deposit_kind": "整存整取", "deposit_months": "36", "deposit_rate": "2.35"}
    state = run(("你们现在三年定期利率多少", "wealth_inquiry", 0.85, {}),
                ("那我存二十万，三年，按2.35%算，到期利息多少", "wealth_calc", 0.6, slots))
    assert state["active_task"] == "wealth_calc"


def test_calls_made_are_no_money_gone():
    state = run(("ATM吞了我的卡", "card_security", 0.95, {}),
                ("打了三次电话都说等通知，一个礼拜了，太过分了，我要投诉！", "complaint", 0.9, {}))
    assert state["intent"] == "complaint"


def test_a_loan_figure_changed_with_all_three_held_is_the_repayment():
    state = run(("贷款30万", "loan_inquiry", 0.95, {"amount": "300000"}),
                ("5年，4.0%", "wealth_calc", 0.67, {"term_months": "60", "annual_rate": "4"}),
                ("不对，四十万才够，月供多少", "repayment_calc", 0.95, {"amount": "400000"}))
    assert state["intent"] == "repayment_calc" and state["slots"]["amount"] == "400000"


def test_a_complaint_in_progress_does_not_absorb_another_topic():
    state = run(("你们利率调得太勤了吧，有点不爽", "complaint", 0.9, {}),
                ("那现在三年定期利率是多少", "wealth_inquiry", 0.8, {}))
    assert state["intent"] == "wealth_inquiry"
