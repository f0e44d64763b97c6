"""Escalation's decisions without Faust: a record and a session snapshot in, events and table updates out."""
from agents.escalation import decide
from agents.escalation.decide import SessionView
from agents.escalation.logic import DELETE
from agents.escalation.queue import DeskQueue
from contracts.topics import AUDIT, DESK_QUEUE, HANDOFF, REPLY_DRAFT, REPLY_OUT, REVIEW
from tests.samples import SAMPLES


def reply(turn, **over):
    return {**SAMPLES["Reply"], "turn_id": turn, "intent": "loan_inquiry", "status": "approved", **over}


def test_a_customer_turn_is_answered_and_moves_the_watermark():
    d = decide.customer_turn(reply(3), SessionView(last_replied=2), 100, DeskQueue())
    assert [e.topic for e in d.emits] == [REPLY_OUT] and d.updates == {"replied": 3, "unclear": 0}
    assert d.handoff_owner is None


def test_a_replayed_turn_changes_nothing():
    d = decide.customer_turn(reply(3), SessionView(last_replied=3), 100, DeskQueue())
    assert d.emits == [] and d.updates == {}


def test_a_human_request_hands_off_and_joins_the_queue():
    d = decide.customer_turn(reply(1, intent="human_agent"), SessionView(), 100, DeskQueue())
    assert [e.topic for e in d.emits] == [REPLY_OUT, DESK_QUEUE, HANDOFF]
    assert d.handoff_owner["agent_id"] is None and d.updates["unclear"] == 0


def test_while_a_human_owns_the_session_the_turn_goes_to_the_desk():
    owner = {"agent_id": "a-1", "since_ms": 1, "sent": [], "turn_id": 1}
    d = decide.customer_turn(reply(2), SessionView(last_replied=1, owner=owner), 100, DeskQueue())
    assert [e.topic for e in d.emits] == [HANDOFF] and d.updates["owners"]["turn_id"] == 2
    assert d.updates["replied"] == 2


def test_a_held_operation_is_remembered_for_the_reviewer():
    d = decide.customer_turn(reply(4, review_op="raise_limit"), SessionView(), 100, DeskQueue())
    assert REVIEW in [e.topic for e in d.emits] and d.updates["pending"]["review_op"] == "raise_limit"
    approve = {**SAMPLES["ReviewDecision"], "session_id": SAMPLES["Reply"]["session_id"], "turn_id": 4,
               "decision": "approve"}
    done = decide.review_decision(approve, SessionView(pending=d.updates["pending"]), 200)
    assert [e.topic for e in done.emits] == [REPLY_OUT, AUDIT] and done.updates == {"pending": DELETE}
    assert done.replies[0]["effect_id"] == "review:4"
    # Answered before a crash lost the release: released now, not answered again.
    again = decide.review_decision(approve, SessionView(pending=d.updates["pending"], already=frozenset({"review:4"})),
                                   300)
    assert again.emits == [] and again.updates == {"pending": DELETE}


def test_advice_is_sent_once_and_never_into_a_humans_session():
    advice = reply(9_000, proactive=True)
    d = decide.checked_reply(advice, SessionView(last_replied=3), 100, None)
    assert d.replies[0]["effect_id"] == "advice:9000" and d.updates == {"advised": [9_000]}
    assert "replied" not in d.updates  # the customer's turn watermark is not moved
    assert decide.checked_reply(advice, SessionView(advised=(9_000,)), 100, None).emits == []
    assert decide.checked_reply(advice, SessionView(already=frozenset({"advice:9000"})), 100, None).emits == []
    assert decide.checked_reply(advice, SessionView(owner={"agent_id": "a"}), 100, None).emits == []


def test_agent_messages_are_audited_and_words_go_to_compliance():
    owner = {"agent_id": "a-9", "since_ms": 1, "sent": [], "turn_id": 2}
    message = {**SAMPLES["AgentMessage"], "action": "reply", "message_id": "m-7", "text": "您好"}
    d = decide.agent_message(message, SessionView(owner=owner), 100)
    assert [e.topic for e in d.emits] == [REPLY_DRAFT, AUDIT] and d.updates == {}
    back = decide.checked_reply({**reply(2), "effect_id": "desk:m-7", "text": "您好"}, SessionView(owner=owner), 200,
                                None)
    assert back.replies[0]["status"] == "human" and back.updates["owners"]["sent"] == ["m-7"]
