from agents.escalation.desk import (
    DELETE,
    HAND_BACK_TEXT,
    QUEUED_TEXT,
    customer_message,
    desk_action,
    owner_after_handoff,
)
from agents.escalation.queue import DeskQueue
from streams.topics import DESK_QUEUE, HANDOFF, REPLY_OUT
from tests.samples import SAMPLES


def message(action, mid="m-1", text="您好，我是客服小王"):
    return {**SAMPLES["AgentMessage"], "action": action, "message_id": mid, "text": text}


def queued():
    return owner_after_handoff({**SAMPLES["Reply"], "turn_id": 2}, now_ms=1)


def test_while_queued_the_customer_is_told_and_the_desk_notified():
    emits, owner = customer_message({**SAMPLES["Reply"], "turn_id": 3}, queued(), now_ms=5)
    assert [e.topic for e in emits] == [HANDOFF, REPLY_OUT]
    assert emits[0].datum["reason"] == "customer_message" and emits[1].datum["text"] == QUEUED_TEXT
    assert owner["turn_id"] == 3


def test_once_an_agent_owns_the_session_the_bot_is_silent():
    _, owner = desk_action(message("take_over"), queued(), None, now_ms=2)
    emits, owner = customer_message({**SAMPLES["Reply"], "turn_id": 3}, owner, now_ms=5)
    assert [e.topic for e in emits] == [HANDOFF] and owner["agent_id"] == "a-9"


def test_agent_reply_goes_out_for_the_latest_turn_once():
    _, owner = desk_action(message("take_over"), queued(), None, now_ms=2)
    [reply], owner = desk_action(message("reply"), owner, "您好，我是客服小王", now_ms=3)
    assert reply.topic == REPLY_OUT and reply.datum["turn_id"] == 2 and reply.datum["status"] == "human"
    assert desk_action(message("reply"), owner, "您好，我是客服小王", now_ms=4)[0] == []  # replayed message


def test_a_blocked_agent_reply_is_not_sent():
    emits, owner = desk_action(message("reply", text="把验证码发给我"), queued(), None, now_ms=3)
    assert emits == [] and owner["sent"] == ["m-1"]


def test_hand_back_returns_the_session_to_the_bot():
    [reply, left], owner = desk_action(message("hand_back", mid="m-2"), queued(), None, now_ms=3)
    assert reply.datum["text"] == HAND_BACK_TEXT and owner is DELETE
    assert left.topic == DESK_QUEUE and left.datum["op"] == "dequeue" and left.datum["reason"] == "handed_back"


def test_taking_over_a_queued_session_records_the_customers_wait():
    [left], owner = desk_action(message("take_over"), queued(), None, now_ms=9_001)
    assert left.topic == DESK_QUEUE and left.datum["reason"] == "taken_over" and left.datum["agent_id"] == "a-9"
    assert left.datum["at_ms"] - left.datum["queued_at_ms"] == 9_000
    # Already owned: no second dequeue, and a reply does not dequeue it again.
    assert desk_action(message("take_over"), owner, None, now_ms=9_500)[0] == []
    assert [e.topic for e in desk_action(message("reply"), owner, "您好", now_ms=9_600)[0]] == [REPLY_OUT]


def test_answering_a_queued_session_takes_it_out_of_the_queue():
    emits, owner = desk_action(message("reply"), queued(), "您好", now_ms=50)
    assert [e.topic for e in emits] == [REPLY_OUT, DESK_QUEUE] and owner["agent_id"] == "a-9"


def test_a_queued_customer_is_told_their_place():
    view = DeskQueue()
    for i, s in enumerate(["s-a", "s-b"]):
        view.apply({**SAMPLES["DeskQueue"], "session_id": s, "queued_at_ms": -10 + i})
    owner = queued()
    view.apply({**SAMPLES["DeskQueue"], "session_id": SAMPLES["Reply"]["session_id"], "queued_at_ms": owner["since_ms"]})
    emits, _ = customer_message({**SAMPLES["Reply"], "turn_id": 3}, owner, now_ms=5, queue=view)
    assert emits[0].datum["queue_position"] == 3 and "第3位" in emits[1].datum["text"]


def test_messages_for_unowned_sessions_are_ignored():
    assert desk_action(message("reply"), None, "hi", now_ms=1) == ([], None)
