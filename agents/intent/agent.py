"""Faust agent of the intent stage."""
from __future__ import annotations

import faust

from agents.intent.logic import understand
from engines.classifiers.keyword import KeywordIntentClassifier
from streams.app import incoming, raw_topic, stage_runner
from streams.settings import Settings
from streams.topics import UTTERANCE_TEXT


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "intent", "Transcript", settings)
    classifier = KeywordIntentClassifier()

    @app.agent(raw_topic(app, UTTERANCE_TEXT), name="intent")
    async def intent(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await runner.handle(incoming(event), lambda t: understand(t, classifier))
