"""Faust agent of the escalation stage; remembers the last replied turn per session."""
from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from typing import Any

import faust

from agents.audit import audit_record
from agents.compliance.agent import default_model
from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import review, text_draft
from agents.escalation.desk import DELETE, customer_message, desk_action, owner_after_handoff
from agents.escalation.ledger import ReplyLedger
from agents.escalation.logic import finalise, resolve_review, unclear_streak
from agents.escalation.queue import DeskQueue, queue_event
from agents.escalation.queue_tail import QueueTail
from agents.escalation.replied import SentLog, read_sent
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Emit, Incoming, StageResult
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

log = logging.getLogger(__name__)


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
    loop: list[asyncio.AbstractEventLoop] = []

    def queue_record_undecodable(partition: int, offset: int, value: bytes) -> None:
        """From the tail's thread: dead-letter on the worker's loop, where its producer lives."""
        asyncio.run_coroutine_threadsafe(runner.dead_letter(
            Incoming(DESK_QUEUE, partition, offset, None, value), "undecodable",
            "desk queue record the queue tail could not decode"), loop[0])

    tail = QueueTail(settings.kafka.bootstrap, DESK_QUEUE, runner.codec, queue, queue_lock, queue_record_undecodable)

    @app.task
    async def follow_the_queue() -> None:
        loop.append(asyncio.get_running_loop())
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
    async def read_log(partitions: list[int]) -> SentLog:
        return await asyncio.to_thread(read_sent, settings.kafka.bootstrap, REPLY_OUT, partitions, runner.codec)

    dead_lettered: set[tuple[int, int]] = set()

    async def dead_letter_undecodable(found: SentLog) -> None:
        for partition, offset, value in found.undecodable:
            if (partition, offset) not in dead_lettered:  # the log is read again on every assignment
                dead_lettered.add((partition, offset))
                await runner.dead_letter(Incoming(REPLY_OUT, partition, offset, None, value), "undecodable",
                                         "reply log record the escalation scan could not decode")

    ledger = ReplyLedger(read_log, dead_letter_undecodable)
    sources = {REPLY_CHECKED, REPLY_CHUNKS_CHECKED, REVIEW_DECISIONS, AGENT_MESSAGES}

    async def log_read(msg: Incoming) -> None:
        """Every record waits until its partition's reply log is read (see ``ledger``)."""
        for attempt in itertools.count(1):
            try:
                return await ledger.ready(msg.partition)
            except Exception:  # the broker restarting: deciding without the log could answer twice
                log.exception("reply log of partition %d not read (try %d); the record waits", msg.partition, attempt)
                await asyncio.sleep(min(5.0, 0.5 * attempt))

    @app.on_partitions_revoked.connect
    async def forget_revoked(sender: Any, revoked: set[Any], **_: Any) -> None:
        ledger.forget({tp.partition for tp in revoked if tp.topic in sources})

    def last_replied(session: str) -> int | None:
        known = [t for t in (replied.get(session), ledger.last_turn(session)) if t is not None]
        return max(known) if known else None

    def sending(emits: list[Emit]) -> None:
        ledger.record(e.datum for e in emits if e.topic == REPLY_OUT)

    def advise(reply: dict[str, Any]) -> StageResult:
        """The bank's own advice: once per (session, turn id), never into a human's session, and
        without touching the replied-turn watermark that customer turns are deduplicated by."""
        session, turn = reply["session_id"], reply["turn_id"]
        sent = advised.get(session) or []
        effect = f"advice:{turn}"
        if owners.get(session) is not None or turn in sent or ledger.already(session, effect):
            return StageResult([])
        emits = [Emit(REPLY_OUT, "Reply", {**reply, "handoff": False, "effect_id": effect,
                                           "replied_at_ms": int(time.time() * 1000)})]
        sending(emits)

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
            sending(desk_emits)

            def noted() -> None:
                replied[session] = max(turn, replied.get(session) or turn)
                owners[session] = new_owner

            return StageResult(desk_emits, noted)
        streak = unclear_streak(reply, unclear.get(session) or 0)
        with queue_lock:
            emits = finalise(reply, last, now, unclear=streak, queue=queue)
        sending(emits)

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

    stage_agent(app, runner, REPLY_CHECKED, gate, log_read)

    chunks = stage_runner(app, "escalation.stream", "ReplyChunk", settings)

    def forward(chunk: dict[str, Any]) -> list[Emit]:
        """Streamed sentences reach the channel only while the bot owns the session and the turn is
        the latest (a human's session stays silent; an older turn streams nothing). Chunks of the
        turn just answered still pass: they travel their own topics and may trail its reply."""
        last = last_replied(chunk["session_id"])
        if owners.get(chunk["session_id"]) is not None or (last is not None and chunk["turn_id"] < last):
            return []
        return [Emit(REPLY_CHUNKS, "ReplyChunk", chunk)]

    stage_agent(app, chunks, REPLY_CHUNKS_CHECKED, forward, log_read)

    reviews = stage_runner(app, "escalation.review", "ReviewDecision", settings)

    def decide(decision: dict[str, Any]) -> StageResult:
        session = decision["session_id"]
        emits = resolve_review(decision, pending.get(session), int(time.time() * 1000))
        if any(ledger.already(session, e.datum.get("effect_id") or "") for e in emits if e.topic == REPLY_OUT):
            return StageResult([])  # answered before a crash lost the pending entry's removal
        sending(emits)

        def release() -> None:
            pending.pop(session, None)

        return StageResult(emits, release if emits else None)

    stage_agent(app, reviews, REVIEW_DECISIONS, decide, log_read)

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
        if ledger.already(session, f"desk:{message['message_id']}"):
            emits = [e for e in emits if e.topic != REPLY_OUT]  # sent before a crash; the state still applies
        sending(emits)
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

    stage_agent(app, desk, AGENT_MESSAGES, act, log_read)
