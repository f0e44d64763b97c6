"""Faust agent of the generation stage."""
from __future__ import annotations

import faust

from agents.generation.logic import compose
from streams.app import incoming, raw_topic, stage_runner
from streams.settings import Settings
from streams.topics import CONTEXT


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "generation", "Context", settings)

    @app.agent(raw_topic(app, CONTEXT), name="generation")
    async def generation(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await runner.handle(incoming(event), compose)
