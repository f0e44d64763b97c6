"""Faust agent of the escalation stage; remembers the last replied turn per session."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import faust

from agents.audit import audit_record
from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import review, text_draft
from agents.escalation.desk import DELETE, customer_message, desk_action, owner_after_handoff
from agents.escalation.logic import finalise, resolve_review
from agents.escalation.replied import replied_turns
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Emit, StageResult
from streams.topics import AGENT_MESSAGES, AUDIT, HANDOFF, REPLY_CHECKED, REPLY_OUT, REVIEW, REVIEW_DECISIONS


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "escalation", "Reply", settings)
    replied = app.Table("replied_turns", default=None, partitions=settings.kafka.partitions)
    pending = app.Table("pending_reviews", default=None, partitions=settings.kafka.partitions)
    owners = app.Table("session_owners", default=None, partitions=settings.kafka.partitions)
    lexicon = default_lexicon()
    in_log: dict[str, int] = {}  # from the reply topic itself, refreshed on every assignment

    @app.on_partitions_assigned.connect
    async def scan_reply_log(sender: Any, assigned: set[Any], **_: Any) -> None:
        mine = sorted(tp.partition for tp in assigned if tp.topic == REPLY_CHECKED)
        if mine:
            found = await asyncio.to_thread(replied_turns, settings.kafka.bootstrap, REPLY_OUT, mine, runner.codec)
            in_log.update(found)

    def last_replied(session: str) -> int | None:
        known = [t for t in (replied.get(session), in_log.get(session)) if t is not None]
        return max(known) if known else None

    def gate(reply: dict[str, Any]) -> StageResult:
        session, turn = reply["session_id"], reply["turn_id"]
        now = int(time.time() * 1000)
        last = last_replied(session)
        owner = owners.get(session)
        if owner is not None and (last is None or turn > last):
            desk_emits, new_owner = customer_message(reply, owner, now)

            def noted() -> None:
                replied[session] = max(turn, replied.get(session) or turn)
                owners[session] = new_owner

            return StageResult(desk_emits, noted)
        emits = finalise(reply, last, now)

        def remember() -> None:
            replied[session] = max(turn, replied.get(session) or turn)
            held = next((e for e in emits if e.topic == REVIEW), None)
            if held is not None:
                customer_reply = next(e.datum for e in emits if e.topic == REPLY_OUT)
                pending[session] = {"turn_id": turn, "review_op": reply["review_op"], "reply": customer_reply}
            if any(e.topic == HANDOFF for e in emits):
                # An agent may already have taken the session over (desk messages race the ack).
                taken = (owners.get(session) or {}).get("agent_id")
                owners[session] = {**owner_after_handoff(reply, now), **({"agent_id": taken} if taken else {})}

        # The turn is marked replied only after the broker acknowledged the reply; a crash before
        # the table's changelog is written is covered by the scan of the reply log above.
        return StageResult(emits, remember if emits else None)

    stage_agent(app, runner, REPLY_CHECKED, gate)

    reviews = stage_runner(app, "escalation.review", "ReviewDecision", settings)

    def decide(decision: dict[str, Any]) -> StageResult:
        session = decision["session_id"]
        emits = resolve_review(decision, pending.get(session), int(time.time() * 1000))

        def release() -> None:
            pending.pop(session, None)

        return StageResult(emits, release if emits else None)

    stage_agent(app, reviews, REVIEW_DECISIONS, decide)

    desk = stage_runner(app, "escalation.desk", "AgentMessage", settings)

    def act(message: dict[str, Any]) -> StageResult:
        session = message["session_id"]
        now = int(time.time() * 1000)
        owner = owners.get(session)
        checked_text, audit = None, []
        if message["action"] == "reply" and owner is not None:
            # Human replies pass the same static gate (lexicon, negation, PII) as the bot's.
            draft = text_draft(message.get("text") or "", session_id=session, turn_id=owner.get("turn_id") or 0,
                               composer=f"human:{message['agent_id']}", received_at_ms=now, intent="human_agent")
            checked, audit_emit = review(draft, lexicon, now)
            checked_text = None if checked.datum["status"] == "blocked" else checked.datum["text"]
            audit = [audit_emit]
        emits, new_owner = desk_action(message, owner, checked_text, now)
        if message["action"] != "reply":  # reply decisions are audited by the gate above
            audit = [Emit(AUDIT, "AuditRecord", audit_record(
                "escalation.desk", session, (owner or {}).get("turn_id") or 0, f"desk.{message['action']}",
                {"agent_id": message["agent_id"], "message_id": message["message_id"]}, now))]

        def apply() -> None:
            if new_owner is DELETE:
                owners.pop(session, None)
            elif new_owner is not None:
                owners[session] = new_owner

        return StageResult([*emits, *audit], apply)

    stage_agent(app, desk, AGENT_MESSAGES, act)
