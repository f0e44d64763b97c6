"""Faust agent of the state stage: the session state lives in a changelog-backed RocksDB table."""
from __future__ import annotations

from typing import Any

import faust

from agents.state.logic import advance, with_turn_embedding
from contracts.stage import Emit
from contracts.topics import NLU
from streams.app import stage_agent, stage_runner
from streams.settings import Settings


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "state", "Understanding", settings)
    table = app.Table("dialogue_state", default=None, partitions=settings.kafka.partitions)

    def apply(understanding: dict[str, Any]) -> list[Emit]:
        session = understanding["session_id"]
        state, emits = advance(table.get(session), understanding)
        if state is not None:
            table[session] = state
        return with_turn_embedding(emits, understanding)

    stage_agent(app, runner, NLU, apply)
