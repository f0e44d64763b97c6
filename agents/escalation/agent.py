"""Faust agent of the escalation stage; remembers the last replied turn per session."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import faust

from agents.audit import audit_record
from agents.compliance.agent import default_model
from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import review, text_draft
from agents.escalation.desk import DELETE, customer_message, desk_action, owner_after_handoff
from agents.escalation.logic import finalise, resolve_review, unclear_streak
from agents.escalation.queue import DeskQueue, queue_event
from agents.escalation.queue_tail import QueueTail
from agents.escalation.replied import replied_turns
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Emit, StageResult
from streams.topics import (
    AGENT_MESSAGES,
    AUDIT,
    DESK_QUEUE,
    HANDOFF,
    REPLY_CHECKED,
    REPLY_CHUNKS,
    REPLY_CHUNKS_CHECKED,
    REPLY_OUT,
    REVIEW,
    REVIEW_DECISIONS,
)


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "escalation", "Reply", settings)
    replied = app.Table("replied_turns", default=None, partitions=settings.kafka.partitions)
    pending = app.Table("pending_reviews", default=None, partitions=settings.kafka.partitions)
    owners = app.Table("session_owners", default=None, partitions=settings.kafka.partitions)
    unclear = app.Table("unclear_turns", default=int, partitions=settings.kafka.partitions)
    advised = app.Table("advised_turns", default=None, partitions=settings.kafka.partitions)
    lexicon = default_lexicon()
    model = default_model(settings)
    queue, queue_lock = DeskQueue(), threading.Lock()
    tail = QueueTail(settings.kafka.bootstrap, DESK_QUEUE, runner.codec, queue, queue_lock)

    @app.task
    async def follow_the_queue() -> None:
        tail.start()

    @app.on_before_shutdown.connect
    def stop_following(*_: Any, **__: Any) -> None:
        tail.stop()

    def note_queue(emits: list[Emit]) -> None:
        """Our own queue events count at once, before the tail reads them back."""
        with queue_lock:
            for e in emits:
                if e.topic == DESK_QUEUE:
                    queue.apply(e.datum)
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

    def advise(reply: dict[str, Any]) -> StageResult:
        """The bank's own advice: once per (session, turn id), never into a human's session, and
        without touching the replied-turn watermark that customer turns are deduplicated by."""
        session, turn = reply["session_id"], reply["turn_id"]
        sent = advised.get(session) or []
        if owners.get(session) is not None or turn in sent:
            return StageResult([])
        emits = [Emit(REPLY_OUT, "Reply", {**reply, "handoff": False, "replied_at_ms": int(time.time() * 1000)})]

        def noted() -> None:
            advised[session] = [*sent, turn][-50:]

        return StageResult(emits, noted)

    def gate(reply: dict[str, Any]) -> StageResult:
        if reply.get("proactive"):
            return advise(reply)
        session, turn = reply["session_id"], reply["turn_id"]
        now = int(time.time() * 1000)
        last = last_replied(session)
        owner = owners.get(session)
        if owner is not None and (last is None or turn > last):
            with queue_lock:
                desk_emits, new_owner = customer_message(reply, owner, now, queue)

            def noted() -> None:
                replied[session] = max(turn, replied.get(session) or turn)
                owners[session] = new_owner

            return StageResult(desk_emits, noted)
        streak = unclear_streak(reply, unclear.get(session) or 0)
        with queue_lock:
            emits = finalise(reply, last, now, unclear=streak, queue=queue)

        def remember() -> None:
            replied[session] = max(turn, replied.get(session) or turn)
            unclear[session] = 0 if any(e.topic == HANDOFF for e in emits) else streak
            note_queue(emits)
            held = next((e for e in emits if e.topic == REVIEW), None)
            if held is not None:
                customer_reply = next(e.datum for e in emits if e.topic == REPLY_OUT)
                pending[session] = {"turn_id": turn, "review_op": reply["review_op"], "reply": customer_reply}
            if any(e.topic == HANDOFF for e in emits):
                # An agent may already have taken the session over (desk messages race the ack).
                taken = (owners.get(session) or {}).get("agent_id")
                owners[session] = {**owner_after_handoff(reply, now), **({"agent_id": taken} if taken else {})}
                if taken:  # then it never waited: it leaves the queue it just joined
                    left = Emit(DESK_QUEUE, "DeskQueue", queue_event("dequeue", session, turn, "taken_over", now,
                                                                     now, taken))
                    note_queue([left])
                    asyncio.ensure_future(runner.publish(left))

        # The turn is marked replied only after the broker acknowledged the reply; a crash before
        # the table's changelog is written is covered by the scan of the reply log above.
        return StageResult(emits, remember if emits else None)

    stage_agent(app, runner, REPLY_CHECKED, gate)

    chunks = stage_runner(app, "escalation.stream", "ReplyChunk", settings)

    def forward(chunk: dict[str, Any]) -> list[Emit]:
        """Streamed sentences reach the channel only while the bot owns the session and the turn is
        the latest (a human's session stays silent; an older turn streams nothing). Chunks of the
        turn just answered still pass: they travel their own topics and may trail its reply."""
        last = last_replied(chunk["session_id"])
        if owners.get(chunk["session_id"]) is not None or (last is not None and chunk["turn_id"] < last):
            return []
        return [Emit(REPLY_CHUNKS, "ReplyChunk", chunk)]

    stage_agent(app, chunks, REPLY_CHUNKS_CHECKED, forward)

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
            checked, audit_emit = review(draft, lexicon, now, model, settings.compliance.threshold)
            checked_text = None if checked.datum["status"] == "blocked" else checked.datum["text"]
            audit = [audit_emit]
        emits, new_owner = desk_action(message, owner, checked_text, now)
        if message["action"] != "reply":  # reply decisions are audited by the gate above
            detail = {"agent_id": message["agent_id"], "message_id": message["message_id"]}
            for e in emits:
                if e.topic == DESK_QUEUE:  # how long the customer waited for a human
                    detail["waited_ms"] = str(e.datum["at_ms"] - e.datum["queued_at_ms"])
            audit = [Emit(AUDIT, "AuditRecord", audit_record(
                "escalation.desk", session, (owner or {}).get("turn_id") or 0, f"desk.{message['action']}",
                detail, now))]

        def apply() -> None:
            note_queue(emits)
            if new_owner is DELETE:
                owners.pop(session, None)
            elif new_owner is not None:
                owners[session] = new_owner

        return StageResult([*emits, *audit], apply)

    stage_agent(app, desk, AGENT_MESSAGES, act)
