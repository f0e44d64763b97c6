"""Escalation stage: the last gate before the customer.

Decides whether a human takes over, and emits each turn's reply at most once: a turn whose id is
not above the last one replied in its session is a replay and yields nothing.
"""
from __future__ import annotations

from typing import Any

from agents.escalation.queue import DeskQueue, queue_event
from contracts.records import audit_record, carry
from contracts.stage import Emit
from contracts.topics import AUDIT, DESK_QUEUE, HANDOFF, REPLY_OUT, REVIEW
from domain.compensation import L1_OFFER, complaint_tier
from domain.high_risk import APPROVED_TEXT, OP_NAMES, REJECTED_TEXT

HANDOFF_NOTE = "已为您转接人工客服，请稍候，客服接入后会继续为您服务。"
PLACE_NOTE = "您当前排在第{position}位，预计等待约{wait}秒。"
# Unclear turns in a row before a human takes over rather than the bot asking yet again.
LOW_CONFIDENCE_TURNS = 2
DELETE = object()  # a table update that removes the session's entry


def unclear_streak(reply: dict[str, Any], before: int) -> int:
    """Consecutive turns the bot did not understand, this one included."""
    return before + 1 if reply.get("needs_clarification") and reply["intent"] not in ("human_agent", "complaint") else 0


def handoff_reason(reply: dict[str, Any], unclear: int = 0) -> str | None:
    if reply["status"] == "blocked":
        return "compliance_block"
    if reply["intent"] == "human_agent":
        return "explicit_request"
    if complaint_tier(reply) == "L2":
        return "complaint"
    if unclear >= LOW_CONFIDENCE_TURNS:
        return "low_confidence"
    return None


REASON_NAMES = {"complaint": "投诉升级（L2）", "low_confidence": f"连续{LOW_CONFIDENCE_TURNS}轮未能理解客户诉求",
                "explicit_request": "客户要求转人工", "compliance_block": "回复被合规拦截"}


def summarise(reply: dict[str, Any], reason: str) -> str:
    reason = REASON_NAMES.get(reason, reason)
    slots = "，".join(f"{k}={v}" for k, v in sorted(reply.get("slots", {}).items())) or "无"
    return f"转人工原因：{reason}；当前意图：{reply['intent']}；已知信息：{slots}；情绪：{reply.get('emotion', 'neutral')}。"


def handoff(reply: dict[str, Any], reason: str, summary: str, now_ms: int,
            queue_position: int | None = None) -> dict[str, Any]:
    """A Handoff event for the desk (or the review queue) about ``reply``'s turn."""
    return {**carry(reply, "intent", "slots", "emotion_trajectory", "compliance_flags"), "reason": reason,
            "summary": summary, "created_at_ms": now_ms, "queue_position": queue_position}


def finalise(reply: dict[str, Any], last_replied_turn: int | None, now_ms: int, *, unclear: int = 0,
             queue: DeskQueue | None = None) -> list[Emit]:
    """The customer-facing reply (and a Handoff when a human should take over, or a review request
    for a held high-risk operation), or nothing for a replay. ``unclear`` counts the session's
    unclear turns in a row including this one; ``queue`` is this worker's view of the agents' queue."""
    if last_replied_turn is not None and reply["turn_id"] <= last_replied_turn:
        return []
    reason = handoff_reason(reply, unclear)
    out = dict(reply, replied_at_ms=now_ms, handoff=reason is not None)
    emits = []
    tier = complaint_tier(reply)
    if tier == "L1" and reply["status"] != "blocked":
        out["text"] = out["text"] + L1_OFFER
        emits.append(Emit(AUDIT, "AuditRecord", audit_record(
            "escalation", reply["session_id"], reply["turn_id"], "complaint.l1_offer",
            {"tier": "L1", "offer": "fee_waiver<=200|points=2000"}, now_ms)))
    if reply.get("review_op") and reply["status"] != "blocked":
        emits.append(Emit(REVIEW, "Handoff", handoff(
            reply, f"review:{reply['review_op']}", summarise(reply, f"高风险操作复核：{reply['review_op']}"), now_ms)))
    if reason:
        position = queue.position(reply["session_id"], now_ms) if queue is not None else None
        if position is not None:
            place = PLACE_NOTE.format(position=position, wait=queue.estimated_wait_s(position))
            emits.append(Emit(DESK_QUEUE, "DeskQueue", queue_event(
                "enqueue", reply["session_id"], reply["turn_id"], reason, now_ms, now_ms)))
        else:
            place = ""
        # The opener of a "转人工" reply already says it is transferring; only the place is added.
        out["text"] = out["text"] + (place if "转接人工" in out["text"] else HANDOFF_NOTE + place)
        emits.append(Emit(HANDOFF, "Handoff", handoff(reply, reason, summarise(reply, reason), now_ms, position)))
    return [Emit(REPLY_OUT, "Reply", out), *emits]


def resolve_review(decision: dict[str, Any], pending: dict[str, Any] | None, now_ms: int) -> list[Emit]:
    """The customer's answer to a reviewer's decision on the held turn; nothing if none is held."""
    if pending is None or pending["turn_id"] != decision["turn_id"] or decision["decision"] not in ("approve", "reject"):
        return []
    op = pending["review_op"]
    name = OP_NAMES.get(op, op)
    if decision["decision"] == "approve":
        text, status = APPROVED_TEXT.format(op=name), "review_approved"
    else:
        note = f"（原因：{decision['note']}）" if decision.get("note") else ""
        text, status = REJECTED_TEXT.format(op=name, note=note), "review_rejected"
    reply = {**pending["reply"], "text": text, "status": status, "handoff": False, "review_op": op,
             "replied_at_ms": now_ms, "effect_id": f"review:{decision['turn_id']}"}
    audit = audit_record("escalation", decision["session_id"], decision["turn_id"], f"review.{decision['decision']}",
                         {"review_op": op, "reviewer_id": decision["reviewer_id"], "note": decision.get("note") or ""},
                         now_ms)
    return [Emit(REPLY_OUT, "Reply", reply), Emit(AUDIT, "AuditRecord", audit)]
