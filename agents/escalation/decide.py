"""Every escalation decision as a pure function: a record and a snapshot of what escalation knows
of its session in, the events to send and the table updates to apply (after the broker has
acknowledged them) out. The Faust agent only builds the snapshot and applies the decision.

    view = SessionView(last_replied=3, owner=None, unclear=0)
    decision = customer_turn(checked_reply, view, now_ms, queue)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.escalation.desk import (
    customer_message,
    desk_message,
    desk_reply,
    is_desk_reply,
    owner_after_handoff,
)
from agents.escalation.logic import DELETE, finalise, resolve_review, unclear_streak
from agents.escalation.queue import DeskQueue
from contracts.records import audit_record
from contracts.stage import Emit
from contracts.topics import AUDIT, DESK_QUEUE, HANDOFF, REPLY_OUT, REVIEW

ADVICE_KEPT = 50  # proactive advice turns remembered per session


@dataclass(frozen=True)
class SessionView:
    """One session as escalation knows it: its tables' entries and the causes the reply log holds."""

    last_replied: int | None = None
    owner: dict[str, Any] | None = None
    unclear: int = 0
    pending: dict[str, Any] | None = None
    advised: tuple[int, ...] = ()
    already: frozenset[str] = frozenset()


@dataclass
class Decision:
    """Events to send; table updates (table name -> new value, or ``DELETE``) to apply once they are
    delivered; ``handoff_owner``: desk ownership to merge with the owner as it is then."""

    emits: list[Emit] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)
    handoff_owner: dict[str, Any] | None = None

    @property
    def replies(self) -> list[dict[str, Any]]:
        return [e.datum for e in self.emits if e.topic == REPLY_OUT]


def checked_reply(reply: dict[str, Any], view: SessionView, now_ms: int, queue: DeskQueue | None) -> Decision:
    """Whatever compliance cleared: bank advice, an agent's words, or the answer to a customer turn."""
    if reply.get("proactive"):
        return advice(reply, view, now_ms)
    if is_desk_reply(reply):
        emits, owner = desk_reply(reply, view.owner, view.already, now_ms)
        return Decision(emits, {"owners": owner} if owner != view.owner else {})
    return customer_turn(reply, view, now_ms, queue)


def customer_turn(reply: dict[str, Any], view: SessionView, now_ms: int, queue: DeskQueue | None) -> Decision:
    """Each customer turn answered once: by the desk while a human owns the session, else by the bot
    (with a handoff, a review hold or a complaint offer when the policy says so)."""
    turn = reply["turn_id"]
    if view.last_replied is not None and turn <= view.last_replied:
        return Decision()  # a replay: answered already
    watermark = max(turn, view.last_replied or turn)
    if view.owner is not None:
        emits, owner = customer_message(reply, view.owner, now_ms, queue)
        return Decision(emits, {"replied": watermark, "owners": owner})
    streak = unclear_streak(reply, view.unclear)
    emits = finalise(reply, view.last_replied, now_ms, unclear=streak, queue=queue)
    handed = any(e.topic == HANDOFF for e in emits)
    updates: dict[str, Any] = {"replied": watermark, "unclear": 0 if handed else streak}
    if any(e.topic == REVIEW for e in emits):
        customer = next(e.datum for e in emits if e.topic == REPLY_OUT)
        updates["pending"] = {"turn_id": turn, "review_op": reply["review_op"], "reply": customer}
    return Decision(emits, updates, owner_after_handoff(reply, now_ms) if handed else None)


def advice(reply: dict[str, Any], view: SessionView, now_ms: int) -> Decision:
    """The bank's own advice: once per (session, turn id), never into a human's session, and without
    moving the replied-turn watermark (a customer turn in flight is still answered)."""
    turn, effect = reply["turn_id"], f"advice:{reply['turn_id']}"
    if view.owner is not None or turn in view.advised or effect in view.already:
        return Decision()
    sent = {**reply, "handoff": False, "effect_id": effect, "replied_at_ms": now_ms}
    return Decision([Emit(REPLY_OUT, "Reply", sent)], {"advised": [*view.advised, turn][-ADVICE_KEPT:]})


def review_decision(decision: dict[str, Any], view: SessionView, now_ms: int) -> Decision:
    """A reviewer's approve/reject of the held turn: the customer is told once, the hold released."""
    emits = resolve_review(decision, view.pending, now_ms)
    if not emits or any((e.datum.get("effect_id") or "") in view.already for e in emits if e.topic == REPLY_OUT):
        return Decision([], {"pending": DELETE} if emits else {})  # answered before a crash lost the release
    return Decision(emits, {"pending": DELETE})


def agent_message(message: dict[str, Any], view: SessionView, now_ms: int) -> Decision:
    """The agent desk: ownership changes at once; words go to compliance as drafts; all audited."""
    emits, owner = desk_message(message, view.owner, now_ms)
    detail = {"agent_id": message["agent_id"], "message_id": message["message_id"]}
    for e in emits:
        if e.topic == DESK_QUEUE:  # how long the customer waited for a human
            detail["waited_ms"] = str(e.datum["at_ms"] - e.datum["queued_at_ms"])
    audit = audit_record("escalation.desk", message["session_id"], (view.owner or {}).get("turn_id") or 0,
                         f"desk.{message['action']}", detail, now_ms)
    return Decision([*emits, Emit(AUDIT, "AuditRecord", audit)], {"owners": owner} if owner != view.owner else {})
