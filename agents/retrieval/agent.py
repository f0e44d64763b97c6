"""Faust agent of the retrieval stage."""
from __future__ import annotations

import faust

from agents.retrieval.logic import SeedFaqIndex, retrieve
from streams.app import incoming, raw_topic, stage_runner
from streams.settings import REPO_DIR, Settings
from streams.topics import DIALOGUE_STATE


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "retrieval", "DialogueState", settings)
    index = SeedFaqIndex.from_jsonl(REPO_DIR / "data" / "faq_seed.jsonl")

    @app.agent(raw_topic(app, DIALOGUE_STATE), name="retrieval")
    async def retrieval(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await runner.handle(incoming(event), lambda s: retrieve(s, index))
