"""Faust agent of the compliance stage."""
from __future__ import annotations

import time

import faust

from agents.compliance.lexicon import Lexicon
from agents.compliance.logic import review
from streams.app import incoming, raw_topic, stage_runner
from streams.settings import REPO_DIR, Settings
from streams.topics import REPLY_DRAFT


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "compliance", "DraftReply", settings)
    lexicon = Lexicon.from_tsv(REPO_DIR / "data" / "compliance" / "seed_lexicon.tsv")

    @app.agent(raw_topic(app, REPLY_DRAFT), name="compliance")
    async def compliance(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await runner.handle(incoming(event), lambda d: review(d, lexicon, int(time.time() * 1000)))
