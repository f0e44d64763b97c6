"""Faust agent of the escalation stage; remembers the last replied turn per session."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import faust

from agents.escalation.logic import finalise, resolve_review
from agents.escalation.replied import replied_turns
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import StageResult
from streams.topics import REPLY_CHECKED, REPLY_OUT, REVIEW, REVIEW_DECISIONS


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "escalation", "Reply", settings)
    replied = app.Table("replied_turns", default=None, partitions=settings.kafka.partitions)
    pending = app.Table("pending_reviews", default=None, partitions=settings.kafka.partitions)
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
        emits = finalise(reply, last_replied(session), int(time.time() * 1000))

        def remember() -> None:
            replied[session] = max(turn, replied.get(session) or turn)
            held = next((e for e in emits if e.topic == REVIEW), None)
            if held is not None:
                customer_reply = next(e.datum for e in emits if e.topic == REPLY_OUT)
                pending[session] = {"turn_id": turn, "review_op": reply["review_op"], "reply": customer_reply}

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
