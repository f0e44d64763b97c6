"""A six-turn loan conversation through the real pipeline, with the state worker killed midway."""
from __future__ import annotations

from decimal import Decimal

from contracts.topics import DIALOGUE_STATE, REPLY_OUT
from domain.repayment import equal_instalment
from tests.integration.kafka_io import collect, producer, send_turn, tail_consumer
from tests.integration.test_resilience import kill9

TURNS = ("你好，我想贷款", "装修房子用", "大概三十万吧", "不对，四十万就够了", "分三年，年化四点八", "等额本息每月还多少")


def test_loan_conversation_state_survives_a_state_worker_kill(stack, settings, codec, session_id):
    replies = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    states = tail_consumer(settings.kafka.bootstrap, DIALOGUE_STATE)
    p = producer(settings.kafka.bootstrap)
    for turn, text in enumerate(TURNS[:3], 1):
        send_turn(p, codec, session_id, turn, text)
    first = collect(replies, codec, "Reply", lambda r: r["session_id"] == session_id, 3)
    assert [r["turn_id"] for r, _ in first] == [1, 2, 3]
    kill9(stack.worker_pid("state"))
    send_turn(p, codec, session_id, 4, TURNS[3])
    stack.start_worker("state")
    stack.wait_workers()
    for turn, text in enumerate(TURNS[4:], 5):
        send_turn(p, codec, session_id, turn, text)
    rest = collect(replies, codec, "Reply", lambda r: r["session_id"] == session_id, 3, timeout=90, settle=3.0)
    assert [r["turn_id"] for r, _ in rest] == [4, 5, 6]
    # The replay of turn 3 after the restart re-emits its state (never re-applies it), so wait for turn 6.
    [(final, _)] = collect(states, codec, "DialogueState",
                           lambda s: s["session_id"] == session_id and s["turn_id"] == 6, 1, timeout=30)
    assert final["turn_count"] == 6
    assert {k: final["slots"][k] for k in ("loan_purpose", "amount", "term_months", "annual_rate")} == {
        "loan_purpose": "装修", "amount": "400000", "term_months": "36", "annual_rate": "4.8"}
    assert final["active_task"] in ("repayment_calc", "loan_inquiry")
    assert [m["turn_id"] for m in final["history"]] == [1, 2, 3, 4, 5, 6]
    monthly = equal_instalment(Decimal(400000), Decimal("4.8"), 36).monthly_payment
    assert f"{monthly:,.2f}" in rest[-1][0]["text"]
