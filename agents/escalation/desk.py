"""The agent desk: while a human owns a session the bot stays silent, customer messages go to the
desk, and the human's words reach the customer only through the compliance stage, by topic.

An agent's reply or hand-back becomes a DraftReply on ``cs.reply.draft.v1`` (effect ``desk:<id>``
or ``handback:<id>``); compliance checks it like any draft, and when the checked reply comes back
escalation sends it once (``desk_reply``). A hand-back takes effect only then, so it can never
overtake the agent's last words. Pure: ownership state in, emits and new state out.
"""
from __future__ import annotations

from typing import Any

from agents.escalation.logic import DELETE, handoff
from agents.escalation.queue import DeskQueue, queue_event
from contracts.records import carry
from contracts.stage import Emit
from contracts.topics import DESK_QUEUE, HANDOFF, REPLY_DRAFT, REPLY_OUT

HAND_BACK_TEXT = "人工客服已结束本次服务，智能助手将继续为您服务。"
# The customer's words while waiting are acknowledged, not only queued.
QUEUED_TEXT = "您的留言已记录，人工客服接入后会为您核实处理。您已在人工客服队列中，请稍候。"
QUEUED_PLACE_TEXT = "您的留言已记录，人工客服接入后会为您核实处理。您已在人工客服队列中，当前排在第{position}位，预计等待约{wait}秒，请稍候。"
SENT_KEPT = 200  # desk messages remembered per session against replays


def owner_after_handoff(reply: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """Desk ownership once a session has been handed off: queued until an agent takes over."""
    return {"agent_id": None, "since_ms": now_ms, "sent": [],
            **carry(reply, "turn_id", "customer_id", "channel", "received_at_ms")}


def merge_handoff(new_owner: dict[str, Any], current: dict[str, Any] | None, session: str, turn: int,
                  now_ms: int) -> tuple[dict[str, Any], list[Emit]]:
    """Apply a handoff's ownership to the owner as it is *now*: an agent may have taken the session
    over while the handoff's reply was on its way (desk messages race the broker's ack); then the
    session never waited, and leaves the queue it just joined."""
    taken = (current or {}).get("agent_id")
    if not taken:
        return new_owner, []
    left = Emit(DESK_QUEUE, "DeskQueue", queue_event("dequeue", session, turn, "taken_over", now_ms, now_ms, taken))
    return {**new_owner, "agent_id": taken}, [left]


def urgent(reply: dict[str, Any]) -> bool:
    """Fraud or lost-card advice the gate let through: too urgent to hold back while a human is awaited."""
    return reply["intent"] == "card_security" and reply.get("status") in ("approved", "rewritten")


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
        if urgent(reply):  # a fraud victim gets "stop, do not transfer, freeze" now, not after the queue
            text = reply["text"] + text
        emits.append(Emit(REPLY_OUT, "Reply", {**reply, "text": text, "status": "human_queued",
                                               "handoff": True, "replied_at_ms": now_ms}))
    return emits, {**owner, **carry(reply, "turn_id", "received_at_ms")}


def _leave_queue(owner: dict[str, Any] | None, message: dict[str, Any], reason: str, now_ms: int) -> list[Emit]:
    """The session leaves the agents' queue, if it is queued (no agent yet)."""
    if owner is None or owner.get("agent_id") is not None:
        return []
    return [Emit(DESK_QUEUE, "DeskQueue", queue_event("dequeue", message["session_id"], owner.get("turn_id") or 0,
                                                      reason, owner["since_ms"], now_ms, message["agent_id"]))]


def desk_draft(message: dict[str, Any], owner: dict[str, Any], text: str, effect: str,
               now_ms: int) -> dict[str, Any]:
    """The DraftReply an agent's words become, for compliance to check like any other draft."""
    return {"session_id": message["session_id"], "turn_id": owner.get("turn_id") or 0,
            "customer_id": owner.get("customer_id"), "channel": owner.get("channel") or "web",
            "received_at_ms": owner.get("received_at_ms") or now_ms, "intent": "human_agent", "confidence": 1.0,
            "text": text, "composer": f"human:{message['agent_id']}", "source_ids": [], "tool_results": {},
            "slots": {}, "emotion": "neutral", "emotion_trajectory": [], "needs_clarification": False,
            "review_op": None, "proactive": False, "effect_id": effect}


def desk_message(message: dict[str, Any], owner: dict[str, Any] | None, now_ms: int) -> tuple[list[Emit], Any]:
    """An agent's action: take over at once; a reply or hand-back goes to compliance as a draft."""
    action = message["action"]
    if action == "take_over":
        base = owner or {"since_ms": now_ms, "sent": [], "turn_id": None, "customer_id": None, "channel": "web",
                         "received_at_ms": now_ms}
        return _leave_queue(owner, message, "taken_over", now_ms), {**base, "agent_id": message["agent_id"]}
    if owner is None or action not in ("reply", "hand_back"):
        return [], owner  # nobody at the desk owns it, or an unknown action
    if action == "reply":
        draft = desk_draft(message, owner, message.get("text") or "", f"desk:{message['message_id']}", now_ms)
        left = _leave_queue(owner, message, "taken_over", now_ms)  # answering a queued session takes it
        return [Emit(REPLY_DRAFT, "DraftReply", draft), *left], {
            **owner, "agent_id": owner.get("agent_id") or message["agent_id"]}
    draft = desk_draft(message, owner, HAND_BACK_TEXT, f"handback:{message['message_id']}", now_ms)
    return [Emit(REPLY_DRAFT, "DraftReply", draft), *_leave_queue(owner, message, "handed_back", now_ms)], owner


def is_desk_reply(reply: dict[str, Any]) -> bool:
    return (reply.get("effect_id") or "").startswith(("desk:", "handback:"))


def desk_reply(checked: dict[str, Any], owner: dict[str, Any] | None, already: frozenset[str],
               now_ms: int) -> tuple[list[Emit], Any]:
    """A desk draft back from compliance: sent once (``already``: effects the reply log holds), unless
    blocked; a hand-back then returns the session to the bot."""
    effect = checked["effect_id"]
    message_id = effect.split(":", 1)[1]
    if owner is None or message_id in owner.get("sent", []) or effect in already:
        return [], owner  # handed back meanwhile, or a replay
    sent = [*owner.get("sent", []), message_id][-SENT_KEPT:]
    if checked["status"] == "blocked":
        return [], {**owner, "sent": sent}  # compliance audited why; the customer hears nothing of it
    hand_back = effect.startswith("handback:")
    reply = {**checked, "status": "human", "handoff": not hand_back, "replied_at_ms": now_ms,
             "intent": "human_agent", "needs_clarification": False, "review_op": None}
    return [Emit(REPLY_OUT, "Reply", reply)], DELETE if hand_back else {**owner, "sent": sent}
