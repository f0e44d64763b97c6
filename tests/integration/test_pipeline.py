"""A conversation through real Kafka and the seven Faust workers."""
from __future__ import annotations

from collections import defaultdict

from contracts.topics import REPLY_OUT, TURN_STAGES
from streams.tracing import trace_id_of
from tests.integration.conftest import spans
from tests.integration.kafka_io import collect, producer, send_turn, tail_consumer

TURNS = ("我想贷款", "装修用，30万", "年化4.8%，分3年", "等额本息每月还多少")


def test_four_turns_come_back_in_order_with_one_trace_each(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    p = producer(settings.kafka.bootstrap)
    traces = {turn: send_turn(p, codec, session_id, turn, text) for turn, text in enumerate(TURNS, 1)}
    got = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 4, settle=2.0)
    assert [r["turn_id"] for r, _ in got] == [1, 2, 3, 4]
    assert {m.key() for _, m in got} == {session_id.encode()}
    assert len({m.partition() for _, m in got}) == 1
    for reply, msg in got:
        assert trace_id_of(msg.headers()) == traces[reply["turn_id"]]
    assert len(set(traces.values())) == 4
    last = got[-1][0]
    assert "8,964.36" in last["text"] and last["status"] == "approved"
    # Every stage left a span in each turn's trace (span log written by each worker).
    by_trace = defaultdict(set)
    for span in spans(settings):
        by_trace[span["trace_id"]].add(span["name"])
    for trace_id in traces.values():
        assert set(TURN_STAGES) <= by_trace[trace_id], by_trace[trace_id]


def test_replayed_turn_yields_no_second_reply(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    p = producer(settings.kafka.bootstrap)
    send_turn(p, codec, session_id, 1, "我想贷款")
    send_turn(p, codec, session_id, 2, "装修用")
    first = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 2)
    assert [r["turn_id"] for r, _ in first] == [1, 2]
    send_turn(p, codec, session_id, 2, "装修用")  # a client retry of the same turn
    send_turn(p, codec, session_id, 1, "我想贷款")  # a replay of an older turn
    send_turn(p, codec, session_id, 3, "谢谢")
    rest = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, settle=3.0)
    assert [r["turn_id"] for r, _ in rest] == [3]
