from agents.escalation.logic import LOW_CONFIDENCE_TURNS, finalise, unclear_streak
from agents.escalation.queue import DEFAULT_WAIT_S, DeskQueue, queue_event
from contracts.topics import DESK_QUEUE, HANDOFF, REPLY_OUT
from tests.samples import SAMPLES


def enqueue(view, session, at):
    view.apply(queue_event("enqueue", session, 1, "complaint", at, at))


def test_positions_follow_arrival_and_count_the_session_itself():
    view = DeskQueue()
    for i, s in enumerate(["a", "b", "c"]):
        enqueue(view, s, 100 + i)
    assert [view.position(s, 100 + i) for i, s in enumerate(["a", "b", "c"])] == [1, 2, 3]
    assert view.position("new", 200) == 4 and view.depth() == 3


def test_leaving_the_queue_moves_everyone_up_and_teaches_the_wait():
    view = DeskQueue()
    enqueue(view, "a", 0)
    enqueue(view, "b", 1)
    assert view.estimated_wait_s(2) == 2 * DEFAULT_WAIT_S
    view.apply(queue_event("dequeue", "a", 1, "taken_over", 0, 8_000, "agent-1"))
    assert view.position("b", 1) == 1 and view.waits_per_place_ms[-1] == 8_000
    assert view.estimated_wait_s(2) == 16
    view.apply(queue_event("dequeue", "b", 1, "handed_back", 1, 60_000))
    assert view.depth() == 0 and list(view.waits_per_place_ms) == [8_000]  # a hand-back is not a wait for an agent


def test_a_replayed_enqueue_keeps_the_original_place():
    view = DeskQueue()
    enqueue(view, "a", 5)
    enqueue(view, "b", 6)
    enqueue(view, "a", 50)  # the tail re-reading the worker's own event
    assert view.position("a", 5) == 1


def reply(**kw):
    return {**SAMPLES["Reply"], **kw}


def test_unclear_turns_in_a_row_hand_the_session_to_a_human():
    streak = 0
    for turn in range(1, LOW_CONFIDENCE_TURNS + 1):
        unclear = reply(turn_id=turn, intent="other", needs_clarification=True)
        streak = unclear_streak(unclear, streak)
        emits = finalise(unclear, turn - 1, 10, unclear=streak, queue=DeskQueue())
        handed = [e for e in emits if e.topic == HANDOFF]
        assert bool(handed) is (turn == LOW_CONFIDENCE_TURNS)
    assert handed[0].datum["reason"] == "low_confidence" and "未能理解" in handed[0].datum["summary"]
    assert unclear_streak(reply(needs_clarification=False), streak) == 0


def test_a_handoff_joins_the_queue_and_tells_the_customer_the_place():
    view = DeskQueue()
    enqueue(view, "someone-else", 1)
    emits = finalise(reply(intent="human_agent"), None, 10, queue=view)
    topics = [e.topic for e in emits]
    assert topics == [REPLY_OUT, DESK_QUEUE, HANDOFF]
    out, queued, handed = (e.datum for e in emits)
    assert handed["queue_position"] == 2 and "第2位" in out["text"] and out["handoff"] is True
    assert queued["op"] == "enqueue" and queued["reason"] == "explicit_request"


def test_waits_are_learned_per_place_and_abandoned_sessions_stop_counting():
    from agents.escalation.queue import STALE_MS

    view = DeskQueue()
    for i, s in enumerate(["a", "b", "c"]):
        enqueue(view, s, 100 + i)
    view.apply(queue_event("dequeue", "c", 1, "taken_over", 102, 102 + 30_000, "agent-1"))  # third place, 30 s
    assert list(view.waits_per_place_ms) == [10_000] and view.estimated_wait_s(1) == 10
    later = 100 + STALE_MS + 1
    assert view.position("late", later) == 1  # a and b waited over two hours: abandoned, not ahead
