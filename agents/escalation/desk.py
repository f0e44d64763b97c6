"""The agent desk: while a human owns a session the bot stays silent, customer messages go to the
desk, and the human's replies (checked by the same compliance gate) go out on the reply topic,
until the human hands the session back. Pure: ownership state in, emits and new state out.
"""
from __future__ import annotations

from typing import Any

from agents.escalation.logic import handoff
from agents.escalation.queue import DeskQueue, queue_event
from agents.turn import carry
from streams.stage import Emit
from streams.topics import DESK_QUEUE, HANDOFF, REPLY_OUT

HAND_BACK_TEXT = "人工客服已结束本次服务，智能助手将继续为您服务。"
QUEUED_TEXT = "您已在人工客服队列中，客服接入后会尽快回复您，请稍候。"
QUEUED_PLACE_TEXT = "您已在人工客服队列中，当前排在第{position}位，预计等待约{wait}秒，请稍候。"
DELETE = object()  # new owner state meaning "the bot owns the session again"


def owner_after_handoff(reply: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Desk ownership once a session has been handed off: queued until an agent takes over."""
    return {"agent_id": None, "since_ms": now_ms, "sent": [],
            **carry(reply, "turn_id", "customer_id", "channel", "received_at_ms")}


def customer_message(reply: dict[str, Any], owner: dict[str, Any], now_ms: int,
                     queue: DeskQueue | None = None) -> tuple[list[Emit], dict[str, Any]]:
    """A customer turn while a human owns the session: the desk is told, the bot says nothing."""
    waiting = owner.get("agent_id") is None
    position = queue.position(reply["session_id"], owner["since_ms"]) if waiting and queue is not None else None
    summary = f"会话由人工处理中（坐席：{owner.get('agent_id') or '排队中'}），客户发来新消息，意图：{reply['intent']}。"
    emits = [Emit(HANDOFF, "Handoff", handoff(reply, "customer_message", summary, now_ms, position))]
    if waiting:  # still queued: say so rather than leave the customer waiting
        text = QUEUED_TEXT if position is None else QUEUED_PLACE_TEXT.format(
            position=position, wait=queue.estimated_wait_s(position))
        emits.append(Emit(REPLY_OUT, "Reply", {**reply, "text": text, "status": "human_queued",
                                               "handoff": True, "replied_at_ms": now_ms}))
    return emits, {**owner, **carry(reply, "turn_id", "received_at_ms")}


def _leave_queue(owner: dict[str, Any] | None, message: dict[str, Any], reason: str, now_ms: int) -> list[Emit]:
    """The session leaves the agents' queue, if it is queued (no agent yet)."""
    if owner is None or owner.get("agent_id") is not None:
        return []
    return [Emit(DESK_QUEUE, "DeskQueue", queue_event("dequeue", message["session_id"], owner.get("turn_id") or 0,
                                                      reason, owner["since_ms"], now_ms, message["agent_id"]))]


def desk_action(message: dict[str, Any], owner: dict[str, Any] | None, checked_text: str | None,
                now_ms: int) -> tuple[list[Emit], Any]:
    """Apply an agent's action. ``checked_text`` is the reply after the compliance gate (None if blocked)."""
    action = message["action"]
    if action == "take_over":
        base = owner or {"since_ms": now_ms, "sent": [], "turn_id": None, "customer_id": None, "channel": "web",
                         "received_at_ms": now_ms}
        return _leave_queue(owner, message, "taken_over", now_ms), {**base, "agent_id": message["agent_id"]}
    if owner is None or message["message_id"] in owner.get("sent", []):
        return [], owner  # nobody at the desk owns it, or a replay
    if action == "hand_back":
        left = _leave_queue(owner, message, "handed_back", now_ms)
        text, new_owner = HAND_BACK_TEXT, DELETE
    elif action == "reply":
        if checked_text is None:
            return [], {**owner, "sent": [*owner.get("sent", []), message["message_id"]]}
        left = _leave_queue(owner, message, "taken_over", now_ms)  # answering a queued session takes it
        text, new_owner = checked_text, {**owner, "agent_id": owner.get("agent_id") or message["agent_id"],
                                         "sent": [*owner.get("sent", []), message["message_id"]][-200:]}
    else:
        return [], owner
    reply = {"session_id": message["session_id"], "turn_id": owner.get("turn_id") or 0,
             "customer_id": owner.get("customer_id"), "channel": owner.get("channel") or "web",
             "received_at_ms": owner.get("received_at_ms") or now_ms, "intent": "human_agent", "text": text,
             "status": "human", "handoff": action != "hand_back", "compliance_flags": [], "source_ids": [],
             "slots": {}, "confidence": 1.0, "emotion": "neutral", "emotion_trajectory": [],
             "needs_clarification": False, "review_op": None, "replied_at_ms": now_ms,
             "effect_id": f"desk:{message['message_id']}"}
    return [Emit(REPLY_OUT, "Reply", reply), *left], new_owner
