from agents.escalation.desk import (
    HAND_BACK_TEXT,
    QUEUED_TEXT,
    customer_message,
    desk_message,
    desk_reply,
    owner_after_handoff,
)
from agents.escalation.logic import DELETE
from agents.escalation.queue import DeskQueue
from contracts.topics import DESK_QUEUE, HANDOFF, REPLY_DRAFT, REPLY_OUT
from tests.samples import SAMPLES


def message(action, mid="m-1", text="您好，我是客服小王"):
    return {**SAMPLES["AgentMessage"], "action": action, "message_id": mid, "text": text}


def queued():
    return owner_after_handoff({**SAMPLES["Reply"], "turn_id": 2}, now_ms=1)


def checked(draft_emit, status="approved"):
    """What compliance makes of a desk draft: a Reply carrying the draft's effect id."""
    draft = draft_emit.datum
    return {**SAMPLES["Reply"], **{k: draft[k] for k in ("session_id", "turn_id", "text", "intent", "effect_id")},
            "status": status}


def test_while_queued_the_customer_is_told_and_the_desk_notified():
    emits, owner = customer_message({**SAMPLES["Reply"], "turn_id": 3}, queued(), now_ms=5)
    assert [e.topic for e in emits] == [HANDOFF, REPLY_OUT]
    assert emits[0].datum["reason"] == "customer_message" and emits[1].datum["text"] == QUEUED_TEXT
    assert owner["turn_id"] == 3


def test_once_an_agent_owns_the_session_the_bot_is_silent():
    _, owner = desk_message(message("take_over"), queued(), now_ms=2)
    emits, owner = customer_message({**SAMPLES["Reply"], "turn_id": 3}, owner, now_ms=5)
    assert [e.topic for e in emits] == [HANDOFF] and owner["agent_id"] == "a-9"


def test_an_agent_reply_goes_to_compliance_then_out_once():
    _, owner = desk_message(message("take_over"), queued(), now_ms=2)
    [draft], owner = desk_message(message("reply"), owner, now_ms=3)
    assert draft.topic == REPLY_DRAFT and draft.datum["composer"] == "human:a-9"
    assert draft.datum["effect_id"] == "desk:m-1" and draft.datum["turn_id"] == 2
    [reply], owner = desk_reply(checked(draft), owner, frozenset(), now_ms=4)
    assert reply.topic == REPLY_OUT and reply.datum["status"] == "human" and reply.datum["handoff"] is True
    assert desk_reply(checked(draft), owner, frozenset(), now_ms=5)[0] == []  # replayed: sent once
    # A crash lost the owner's record of it; the reply log still knows.
    assert desk_reply(checked(draft), {**owner, "sent": []}, frozenset({"desk:m-1"}), now_ms=6)[0] == []


def test_a_blocked_agent_reply_is_not_sent():
    [draft, _left], owner = desk_message(message("reply", text="把验证码发给我"), queued(), now_ms=3)
    emits, owner = desk_reply(checked(draft, status="blocked"), owner, frozenset(), now_ms=4)
    assert emits == [] and owner["sent"] == ["m-1"]


def test_hand_back_takes_effect_when_its_words_come_back_from_compliance():
    _, owner = desk_message(message("take_over"), queued(), now_ms=2)
    [draft], after = desk_message(message("hand_back", mid="m-2"), owner, now_ms=3)
    assert after is owner and draft.datum["text"] == HAND_BACK_TEXT  # still the agent's until it is said
    [reply], after = desk_reply(checked(draft), owner, frozenset(), now_ms=4)
    assert reply.datum["text"] == HAND_BACK_TEXT and reply.datum["handoff"] is False and after is DELETE


def test_a_queued_hand_back_leaves_the_queue():
    [draft, left], _ = desk_message(message("hand_back", mid="m-2"), queued(), now_ms=3)
    assert left.topic == DESK_QUEUE and left.datum["op"] == "dequeue" and left.datum["reason"] == "handed_back"


def test_taking_over_a_queued_session_records_the_customers_wait():
    [left], owner = desk_message(message("take_over"), queued(), now_ms=9_001)
    assert left.topic == DESK_QUEUE and left.datum["reason"] == "taken_over" and left.datum["agent_id"] == "a-9"
    assert left.datum["at_ms"] - left.datum["queued_at_ms"] == 9_000
    # Already owned: no second dequeue, and a reply does not dequeue it again.
    assert desk_message(message("take_over"), owner, now_ms=9_500)[0] == []
    assert [e.topic for e in desk_message(message("reply"), owner, now_ms=9_600)[0]] == [REPLY_DRAFT]


def test_answering_a_queued_session_takes_it_out_of_the_queue():
    emits, owner = desk_message(message("reply"), queued(), now_ms=50)
    assert [e.topic for e in emits] == [REPLY_DRAFT, DESK_QUEUE] and owner["agent_id"] == "a-9"


def test_a_queued_customer_is_told_their_place():
    view = DeskQueue()
    for i, s in enumerate(["s-a", "s-b"]):
        view.apply({**SAMPLES["DeskQueue"], "session_id": s, "queued_at_ms": -10 + i})
    owner = queued()
    view.apply({**SAMPLES["DeskQueue"], "session_id": SAMPLES["Reply"]["session_id"], "queued_at_ms": owner["since_ms"]})
    emits, _ = customer_message({**SAMPLES["Reply"], "turn_id": 3}, owner, now_ms=5, queue=view)
    assert emits[0].datum["queue_position"] == 3 and "第3位" in emits[1].datum["text"]


def test_messages_for_unowned_sessions_are_ignored():
    assert desk_message(message("reply"), None, now_ms=1) == ([], None)
    [draft, _left], owner = desk_message(message("reply"), queued(), now_ms=1)
    assert desk_reply(checked(draft), None, frozenset(), now_ms=2) == ([], None)


def test_fraud_advice_is_not_held_back_while_the_customer_waits_for_a_human():
    advice = "请立即挂断，不要转账，银行不会索要验证码。"
    reply = {**SAMPLES["Reply"], "turn_id": 3, "intent": "card_security", "status": "approved", "text": advice}
    emits, _ = customer_message(reply, queued(), now_ms=5)
    assert emits[1].datum["text"] == advice + QUEUED_TEXT
    blocked = {**reply, "status": "blocked"}
    assert customer_message(blocked, queued(), now_ms=5)[0][1].datum["text"] == QUEUED_TEXT
