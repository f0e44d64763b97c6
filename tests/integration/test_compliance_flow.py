"""Compliance and escalation on the real pipeline: nothing non-compliant reaches the customer,
anger reaches a human, and a high-risk operation waits for a reviewer."""
from __future__ import annotations

import time

from contracts.topics import AUDIT, HANDOFF, REPLY_DRAFT, REPLY_OUT, REVIEW, REVIEW_DECISIONS
from streams.tracing import headers_from_context
from tests.integration.kafka_io import TRACER, collect, producer, send_turn, tail_consumer
from tests.samples import SAMPLES


def test_a_draft_promising_principal_never_reaches_the_customer(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    p = producer(settings.kafka.bootstrap)
    # As an LLM backend would write it: a promise hidden between compliant sentences.
    draft = {**SAMPLES["DraftReply"], "session_id": session_id, "turn_id": 1, "composer": "transformers",
             "text": "该理财产品起购金额1万元，期限一年。保本保息，稳赚不赔！业绩比较基准不代表实际收益。"}
    with TRACER.start_as_current_span("test.draft"):
        p.produce(REPLY_DRAFT, key=session_id.encode(), value=codec.encode("DraftReply", draft, REPLY_DRAFT),
                  headers=headers_from_context())
    p.flush(10)
    [(reply, _)] = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1)
    assert "保本" not in reply["text"] and "稳赚" not in reply["text"]
    assert reply["status"] == "rewritten" and "期限一年" in reply["text"]
    assert any(flag.startswith("promised_returns") for flag in reply["compliance_flags"])


def test_an_angry_complaint_is_handed_to_a_human_with_summary_and_state(stack, settings, codec, session_id):
    handoffs = tail_consumer(settings.kafka.bootstrap, HANDOFF)
    p = producer(settings.kafka.bootstrap)
    send_turn(p, codec, session_id, 1, "我想贷款装修，30万")
    send_turn(p, codec, session_id, 2, "你们乱扣我年费，服务太差了，气死我了，我要投诉！")
    [(handoff, _)] = collect(handoffs, codec, "Handoff", lambda h: h["session_id"] == session_id, 1)
    assert handoff["reason"] == "complaint" and handoff["turn_id"] == 2
    assert "投诉" in handoff["summary"] or "complaint" in handoff["summary"]
    assert handoff["slots"]["amount"] == "300000" and handoff["emotion_trajectory"][-1] == "angry"


def test_changing_the_reserved_phone_is_confirmed_then_waits_for_an_approval(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    reviews = tail_consumer(settings.kafka.bootstrap, REVIEW)
    p = producer(settings.kafka.bootstrap)
    send_turn(p, codec, session_id, 1, "把我预留手机号改成13912345678")
    [(asked, _)] = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1)
    # 二次确认: the request is asked back; nothing reaches the reviewers before an explicit yes.
    assert asked["review_op"] is None and "确认" in asked["text"] and "已提交" not in asked["text"]
    assert collect(reviews, codec, "Handoff", lambda h: h["session_id"] == session_id, 1, timeout=3) == []
    send_turn(p, codec, session_id, 2, "确认修改")
    [(held, _)] = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1)
    assert held["review_op"] == "change_reserved_phone" and "复核" in held["text"]
    [(request, _)] = collect(reviews, codec, "Handoff", lambda h: h["session_id"] == session_id, 1)
    assert request["reason"] == "review:change_reserved_phone" and request["turn_id"] == 2
    # Nothing proceeds without a decision.
    assert collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, timeout=3) == []
    decision = {"session_id": session_id, "turn_id": 2, "decision": "approve", "reviewer_id": "r-001",
                "note": None, "decided_at_ms": int(time.time() * 1000)}
    p.produce(REVIEW_DECISIONS, key=session_id.encode(),
              value=codec.encode("ReviewDecision", decision, REVIEW_DECISIONS))
    p.flush(10)
    [(done, _)] = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, settle=2.0)
    assert done["status"] == "review_approved" and done["turn_id"] == 2 and "通过人工复核" in done["text"]
    # A replayed decision changes nothing.
    p.produce(REVIEW_DECISIONS, key=session_id.encode(),
              value=codec.encode("ReviewDecision", decision, REVIEW_DECISIONS))
    p.flush(10)
    assert collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, timeout=3) == []


def test_service_metrics_read_from_the_topics(stack, settings, codec, session_id):
    from streams.metrics import collect as collect_metrics

    before = collect_metrics(settings)
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    p = producer(settings.kafka.bootstrap)
    send_turn(p, codec, session_id, 1, "你好")
    send_turn(p, codec, session_id, 2, "给我转人工")
    replies = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 2)
    assert len(replies) == 2
    after = collect_metrics(settings)
    assert after.replies - before.replies == 2
    assert after.handoff_reasons["explicit_request"] - before.handoff_reasons["explicit_request"] == 1
    assert 0 < after.takeover_rate <= 1


def test_a_human_takes_over_replies_and_hands_back(stack, settings, codec, session_id):
    from contracts.topics import AGENT_MESSAGES

    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    desk = tail_consumer(settings.kafka.bootstrap, HANDOFF)
    p = producer(settings.kafka.bootstrap)

    def agent(action, mid, text=None):  # type: ignore[no-untyped-def]
        msg = {"message_id": mid, "session_id": session_id, "agent_id": "a-007", "action": action, "text": text,
               "sent_at_ms": int(time.time() * 1000)}
        p.produce(AGENT_MESSAGES, key=session_id.encode(), value=codec.encode("AgentMessage", msg, AGENT_MESSAGES))
        p.flush(10)

    def replies(n, timeout=30.0):  # type: ignore[no-untyped-def]
        return [r for r, _ in collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, n, timeout=timeout)]

    send_turn(p, codec, session_id, 1, "转人工")
    [first] = replies(1)
    [(queued, _)] = collect(desk, codec, "Handoff", lambda h: h["session_id"] == session_id and h["turn_id"] == 1, 1)
    assert first["handoff"] is True and queued["queue_position"] >= 1
    assert f"第{queued['queue_position']}位" in first["text"] and "预计等待" in first["text"]
    audits = tail_consumer(settings.kafka.bootstrap, AUDIT)
    agent("take_over", "m-1")
    # The desk audits the take-over once it owns the session, with how long the customer waited.
    [(taken, _)] = collect(audits, codec, "AuditRecord",
                           lambda a: a["session_id"] == session_id and a["action"] == "desk.take_over", 1)
    assert 0 <= int(taken["detail"]["waited_ms"]) < 60_000
    send_turn(p, codec, session_id, 2, "我的信用卡账单有问题")
    assert replies(1, timeout=4) == []  # the bot stays silent while a human owns the session
    notes = collect(desk, codec, "Handoff", lambda h: h["session_id"] == session_id and h["turn_id"] == 2, 1)
    assert notes and notes[0][0]["reason"] == "customer_message"
    agent("reply", "m-2", "您好，我是客服007，请问是哪一笔账单？保本保息的产品我们没有，请放心。")
    [human] = replies(1)
    assert human["status"] == "human" and human["turn_id"] == 2 and "客服007" in human["text"]
    agent("reply", "m-2", "重复投递的消息")  # a replayed desk message is not sent twice
    assert replies(1, timeout=3) == []
    agent("hand_back", "m-3")
    [back] = replies(1)
    assert back["handoff"] is False and "智能助手" in back["text"]
    send_turn(p, codec, session_id, 3, "信用卡年费怎么收")
    [bot] = replies(1)
    assert bot["turn_id"] == 3 and bot["status"] in ("approved", "rewritten")


def test_two_unclear_turns_in_a_row_bring_a_human(stack, settings, codec, session_id):
    handoffs = tail_consumer(settings.kafka.bootstrap, HANDOFF)
    p = producer(settings.kafka.bootstrap)
    send_turn(p, codec, session_id, 1, "？？？")
    send_turn(p, codec, session_id, 2, "嗯……那个……")
    [(handoff, _)] = collect(handoffs, codec, "Handoff", lambda h: h["session_id"] == session_id, 1, settle=2.0)
    assert handoff["reason"] == "low_confidence" and handoff["turn_id"] == 2 and handoff["queue_position"] >= 1


def test_fees_and_credit_claims_are_checked_against_neo4j_and_the_bureau(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    p = producer(settings.kafka.bootstrap)
    drafts = [
        {"turn_id": 1, "text": "示例银行 标准金卡年费100元，首年免年费，当年刷卡满6次免次年年费。",
         "source_ids": ["P-CARD-002"]},
        {"turn_id": 2, "text": "示例银行 标准金卡年费200元，首年免年费，当年刷卡满6次免次年年费。",
         "source_ids": ["P-CARD-002"]},
        {"turn_id": 3, "text": "恭喜，您已通过预审，可贷5000万元。", "source_ids": ["P-LOAN-001"],
         "customer_id": "C-0001"},
    ]
    for fields in drafts:
        draft = {**SAMPLES["DraftReply"], "session_id": session_id, "composer": "transformers", **fields}
        p.produce(REPLY_DRAFT, key=session_id.encode(), value=codec.encode("DraftReply", draft, REPLY_DRAFT))
    p.flush(10)
    got = {r["turn_id"]: r for r, _ in collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 3)}
    assert got[1]["status"] == "rewritten" and "100元" not in got[1]["text"]
    assert any(f.startswith("fee_mismatch") for f in got[1]["compliance_flags"])
    assert got[2]["status"] == "approved" and "200元" in got[2]["text"]
    assert got[3]["status"] == "blocked" and "5000万" not in got[3]["text"]
    assert any(f.startswith("credit_claim_unsupported") for f in got[3]["compliance_flags"])
