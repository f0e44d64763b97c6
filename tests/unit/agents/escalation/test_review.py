import pytest

from agents.escalation.logic import finalise, resolve_review
from agents.generation.logic import compose
from agents.state.logic import advance
from contracts.topics import AUDIT, REPLY_OUT, REVIEW
from domain.high_risk import high_risk_operation
from tests.samples import SAMPLES


@pytest.mark.parametrize("text,intent,slots,op", [
    ("把我预留手机号改成13912345678", "account_query", {}, "change_reserved_phone"),
    ("我想换一下绑定的手机", "other", {}, "change_reserved_phone"),
    ("信用卡能提额吗，帮我调高额度", "credit_card", {}, "raise_limit"),
    ("我的卡被冻结了，帮我解冻", "card_security", {}, "unfreeze_card"),
    ("给我妈转10万", "transfer", {"amount": "100000"}, "large_transfer"),
    ("给我妈转2000", "transfer", {"amount": "2000"}, None),
    ("我的卡丢了快冻结", "card_security", {}, None),
    ("信用卡额度多少", "credit_card", {}, None),
])
def test_high_risk_operations(text, intent, slots, op):
    assert high_risk_operation(text, intent, slots) == op


def session(*texts, intent="account_query"):
    """Drafts of each turn of one session through state and compose (the 二次确认 lives in the state)."""
    state, drafts = None, []
    for n, text in enumerate(texts, 1):
        nlu = {**SAMPLES["Understanding"], "turn_id": n, "text": text, "intent": intent, "confidence": 0.9,
               "slots": {}, "needs_clarification": False}
        state, _ = advance(state, nlu)
        context = {**SAMPLES["Context"], **{k: v for k, v in state.items() if k in SAMPLES["Context"]}, "facts": []}
        [emit] = compose(context)
        drafts.append(emit.datum)
    return drafts


def test_a_high_risk_request_is_asked_back_and_submitted_only_on_an_explicit_yes():
    asked, confirmed = session("把我预留手机号改成13912345678", "确认修改")
    assert asked["review_op"] is None and "确认" in asked["text"] and "已提交" not in asked["text"]
    assert confirmed["review_op"] == "change_reserved_phone" and "人工复核" in confirmed["text"]


@pytest.mark.parametrize("answer", ["取消", "算了不改了", "不用了"])
def test_a_no_or_a_cancel_submits_nothing(answer):
    _, cancelled = session("帮我把预留手机号改成13912345678", answer)
    assert cancelled["review_op"] is None and "取消" in cancelled["text"]


def test_moving_on_drops_the_pending_request():
    _, moved, later = session("帮我解冻我的卡", "信用卡年费多少", "确认", intent="credit_card")
    assert moved.get("review_op") is None and later.get("review_op") is None


@pytest.mark.parametrize("text", ["预留手机号怎么改", "信用卡怎么提额", "账户被冻结了 怎么解冻"])
def test_asking_how_gets_the_procedure_never_a_submission(text):
    [draft] = session(text)
    assert draft.get("review_op") is None and "确认是否提交" not in draft["text"]


def held_reply():
    return {**SAMPLES["Reply"], "turn_id": 5, "review_op": "change_reserved_phone", "text": "已提交复核"}


def test_escalation_sends_a_held_turn_to_review():
    reply, review = finalise(held_reply(), last_replied_turn=4, now_ms=9)
    assert reply.topic == REPLY_OUT and reply.datum["handoff"] is False
    assert review.topic == REVIEW and review.datum["reason"] == "review:change_reserved_phone"


def decision(kind, turn=5, note=None):
    return {**SAMPLES["ReviewDecision"], "turn_id": turn, "decision": kind, "note": note}


def test_approval_resumes_the_session_and_is_audited():
    pending = {"turn_id": 5, "review_op": "change_reserved_phone", "reply": held_reply()}
    reply, audit = resolve_review(decision("approve"), pending, now_ms=11)
    assert reply.topic == REPLY_OUT and reply.datum["status"] == "review_approved"
    assert "通过人工复核" in reply.datum["text"] and reply.datum["turn_id"] == 5
    assert audit.topic == AUDIT and audit.datum["action"] == "review.approve"
    assert audit.datum["detail"]["reviewer_id"] == "r-7"


def test_rejection_says_why():
    pending = {"turn_id": 5, "review_op": "raise_limit", "reply": held_reply()}
    reply, _ = resolve_review(decision("reject", note="身份核验未通过"), pending, now_ms=11)
    assert reply.datum["status"] == "review_rejected" and "身份核验未通过" in reply.datum["text"]


def test_decisions_without_a_matching_held_turn_do_nothing():
    pending = {"turn_id": 5, "review_op": "raise_limit", "reply": held_reply()}
    assert resolve_review(decision("approve"), None, now_ms=1) == []
    assert resolve_review(decision("approve", turn=4), pending, now_ms=1) == []
    assert resolve_review(decision("maybe"), pending, now_ms=1) == []
