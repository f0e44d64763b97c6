"""Faust agent of the ASR stage."""
from __future__ import annotations

import faust

from agents.asr.logic import transcribe
from streams.app import incoming, raw_topic, stage_runner
from streams.settings import Settings
from streams.topics import UTTERANCE_IN


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "asr", "UtteranceIn", settings)

    @app.agent(raw_topic(app, UTTERANCE_IN), name="asr")
    async def asr(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await runner.handle(incoming(event), transcribe)
