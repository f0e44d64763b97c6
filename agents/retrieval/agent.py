"""Faust agent of the retrieval stage."""
from __future__ import annotations

import faust

from agents.retrieval.logic import SeedFaqIndex, retrieve
from streams.app import stage_agent, stage_runner
from streams.settings import REPO_DIR, Settings
from streams.topics import DIALOGUE_STATE


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "retrieval", "DialogueState", settings)
    index = SeedFaqIndex.from_jsonl(REPO_DIR / "data" / "faq_seed.jsonl")

    stage_agent(app, runner, DIALOGUE_STATE, lambda s: retrieve(s, index))
