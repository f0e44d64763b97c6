from contracts.topics import AUDIT, HANDOFF, REPLY_OUT, REVIEW, REVIEW_DECISIONS
from streams.metrics import ServiceMetrics, account
from tests.samples import SAMPLES


def reply(status="approved", flags=()):
    return {**SAMPLES["Reply"], "status": status, "compliance_flags": list(flags)}


def test_service_metrics_fold_events():
    m = ServiceMetrics()
    for event in (reply(), reply("rewritten", ["promised_returns:保本"]), reply("blocked", ["credential_request:x"]),
                  reply(), reply("review_approved")):
        account(m, REPLY_OUT, event)
    account(m, HANDOFF, {**SAMPLES["Handoff"], "reason": "complaint"})
    account(m, AUDIT, {**SAMPLES["AuditRecord"], "action": "complaint.l1_offer"})
    account(m, REVIEW, {**SAMPLES["Handoff"], "reason": "review:raise_limit", "created_at_ms": 1_000})
    account(m, REVIEW, {**SAMPLES["Handoff"], "turn_id": 9, "reason": "review:unfreeze_card", "created_at_ms": 2_000})
    account(m, REVIEW_DECISIONS, {**SAMPLES["ReviewDecision"], "decided_at_ms": 4_000})
    d = m.as_dict()
    assert d["replies"] == 4 and d["takeover_rate"] == 0.25
    assert d["statuses"] == {"approved": 2, "rewritten": 1, "blocked": 1}
    assert d["flagged_by_category"] == {"promised_returns": 1, "credential_request": 1}
    assert d["complaints_by_tier"] == {"L2": 1, "L1": 1}
    assert d["review_queue_depth"] == 1 and d["review_wait_p50_ms"] == 3_000


def test_desk_waits_and_out_of_order_reviews():
    from contracts.topics import DESK_QUEUE

    m = ServiceMetrics()
    account(m, REVIEW_DECISIONS, {**SAMPLES["ReviewDecision"], "decided_at_ms": 9_000})  # read before its request
    account(m, REVIEW, {**SAMPLES["Handoff"], "created_at_ms": 1_000})
    q = SAMPLES["DeskQueue"]
    account(m, DESK_QUEUE, {**q, "session_id": "a", "queued_at_ms": 0, "at_ms": 0})
    account(m, DESK_QUEUE, {**q, "session_id": "b", "queued_at_ms": 5, "at_ms": 5})
    taken = {**q, "session_id": "a", "op": "dequeue", "reason": "taken_over", "queued_at_ms": 0, "at_ms": 12_000}
    account(m, DESK_QUEUE, taken)
    account(m, DESK_QUEUE, {**taken, "at_ms": 13_000})  # a replayed take-over is one wait, not two
    account(m, DESK_QUEUE, {**q, "session_id": "c", "op": "dequeue", "reason": "taken_over", "queued_at_ms": 0,
                            "at_ms": 20_000})  # only the dequeue survived compaction
    account(m, HANDOFF, {**SAMPLES["Handoff"], "reason": "customer_message"})
    d = m.as_dict()
    assert d["review_wait_p50_ms"] == 8_000 and d["review_queue_depth"] == 0
    assert d["desk_queue_depth"] == 1 and sorted(m.human_waits_ms) == [12_000, 20_000]
    assert d["human_wait_within_15s"] == 0.5 and d["handoffs"] == 0


def test_prometheus_exposition():
    import threading

    from prometheus_client import CollectorRegistry, generate_latest

    from streams.metrics import MetricsCollector

    m = ServiceMetrics()
    account(m, REPLY_OUT, reply("blocked", ["credential_request:验证码"]))
    account(m, HANDOFF, {**SAMPLES["Handoff"], "reason": "low_confidence"})
    account(m, AUDIT, {**SAMPLES["AuditRecord"], "action": "generation.fallback.numbers"})
    registry = CollectorRegistry()
    registry.register(MetricsCollector(m, threading.Lock()))
    text = generate_latest(registry).decode()
    assert 'cs_replies_total{status="blocked"} 1.0' in text
    assert 'cs_compliance_flags_total{category="credential_request"} 1.0' in text
    assert 'cs_handoffs_total{reason="low_confidence"} 1.0' in text
    assert "cs_takeover_ratio 1.0" in text
    assert 'cs_llm_fallbacks_total{reason="numbers"} 1.0' in text and m.as_dict()["llm_fallbacks_by_reason"] == {
        "numbers": 1}


def test_desk_words_and_the_banks_own_advice_are_not_answered_turns():
    m = ServiceMetrics()
    for event in (reply(), reply("human"), reply("human_queued"), {**reply(), "proactive": True}):
        account(m, REPLY_OUT, event)
    assert m.replies == 1 and m.as_dict()["human_wait_within_15s"] is None
