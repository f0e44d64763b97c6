"""Faust agent of the escalation stage; remembers the last replied turn per session."""
from __future__ import annotations

import time
from typing import Any

import faust

from agents.escalation.logic import finalise
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import StageResult
from streams.topics import REPLY_CHECKED


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "escalation", "Reply", settings)
    replied = app.Table("replied_turns", default=None, partitions=settings.kafka.partitions)

    def gate(reply: dict[str, Any]) -> StageResult:
        session, turn = reply["session_id"], reply["turn_id"]
        emits = finalise(reply, replied.get(session), int(time.time() * 1000))

        def remember() -> None:
            replied[session] = max(turn, replied.get(session) or turn)

        # The turn is marked replied only after the broker acknowledged the reply: a crash in
        # between re-sends it (at-least-once) instead of losing it.
        return StageResult(emits, remember if emits else None)

    stage_agent(app, runner, REPLY_CHECKED, gate)
