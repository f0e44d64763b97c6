"""Faust agent of the escalation stage: builds each record's ``SessionView`` from its tables and the
reply ledger, calls the pure decision (``decide``), and applies the decision's table updates once
its events are delivered."""
from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import faust

from agents.escalation import decide
from agents.escalation.decide import Decision, SessionView
from agents.escalation.desk import merge_handoff
from agents.escalation.ledger import ReplyLedger
from agents.escalation.logic import DELETE
from agents.escalation.queue import DeskQueue
from agents.escalation.queue_tail import QueueTail
from agents.escalation.replied import SentLog, read_sent
from contracts.stage import Emit, StageResult
from contracts.topics import (
    AGENT_MESSAGES,
    DESK_QUEUE,
    REPLY_CHECKED,
    REPLY_CHUNKS,
    REPLY_CHUNKS_CHECKED,
    REPLY_OUT,
    REVIEW_DECISIONS,
)
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Incoming

log = logging.getLogger(__name__)
TABLES = {"replied": "replied_turns", "pending": "pending_reviews", "owners": "session_owners",
          "unclear": "unclear_turns", "advised": "advised_turns"}


def now_ms() -> int:
    return int(time.time() * 1000)


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "escalation", "Reply", settings)
    tables = {key: app.Table(name, default=None, partitions=settings.kafka.partitions) for key, name in TABLES.items()}
    queue, queue_lock = DeskQueue(), threading.Lock()
    loop: list[asyncio.AbstractEventLoop] = []

    # -- the agents' queue, global across workers -------------------------------------------------
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

    # -- what was sent: tables plus the reply log ------------------------------------------------
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

    def view(session: str) -> SessionView:
        known = [t for t in (tables["replied"].get(session), ledger.last_turn(session)) if t is not None]
        return SessionView(last_replied=max(known) if known else None, owner=tables["owners"].get(session),
                           unclear=tables["unclear"].get(session) or 0, pending=tables["pending"].get(session),
                           advised=tuple(tables["advised"].get(session) or ()),
                           already=frozenset(ledger.effects(session)))

    def applied(session: str, turn: int, decision: Decision) -> StageResult:
        """Send the decision's events; apply its table updates once the broker has them (a crash in
        between is covered by the reply log, which the ledger reads)."""
        ledger.record(decision.replies)
        note_queue(decision.emits)

        def apply() -> None:
            for key, value in decision.updates.items():
                if value is DELETE:
                    tables[key].pop(session, None)
                else:
                    tables[key][session] = value
            if decision.handoff_owner is not None:
                owner, left = merge_handoff(decision.handoff_owner, tables["owners"].get(session), session, turn,
                                            now_ms())
                tables["owners"][session] = owner
                for emit in left:
                    note_queue([emit])
                    asyncio.ensure_future(runner.publish(emit))

        return StageResult(decision.emits, apply if decision.emits or decision.updates else None)

    def deciding(rule: Callable[..., Decision], *extra: Any) -> Callable[[dict[str, Any]], StageResult]:
        def logic(record: dict[str, Any]) -> StageResult:
            session = record["session_id"]
            with queue_lock:
                decision = rule(record, view(session), now_ms(), *extra)
            return applied(session, record.get("turn_id") or 0, decision)
        return logic

    stage_agent(app, runner, REPLY_CHECKED, deciding(decide.checked_reply, queue), log_read)

    chunks = stage_runner(app, "escalation.stream", "ReplyChunk", settings)

    def forward(chunk: dict[str, Any]) -> list[Emit]:
        """Streamed sentences reach the channel only while the bot owns the session and the turn is
        the latest (a human's session stays silent; an older turn streams nothing). Chunks of the
        turn just answered still pass: they travel their own topics and may trail its reply."""
        seen = view(chunk["session_id"])
        if seen.owner is not None or (seen.last_replied is not None and chunk["turn_id"] < seen.last_replied):
            return []
        return [Emit(REPLY_CHUNKS, "ReplyChunk", chunk)]

    stage_agent(app, chunks, REPLY_CHUNKS_CHECKED, forward, log_read)
    reviews = stage_runner(app, "escalation.review", "ReviewDecision", settings)
    stage_agent(app, reviews, REVIEW_DECISIONS, deciding(decide.review_decision), log_read)
    desk = stage_runner(app, "escalation.desk", "AgentMessage", settings)
    stage_agent(app, desk, AGENT_MESSAGES, deciding(decide.agent_message), log_read)
