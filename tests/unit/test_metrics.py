from streams.metrics import ServiceMetrics, account
from streams.topics import AUDIT, HANDOFF, REPLY_OUT, REVIEW, REVIEW_DECISIONS
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
