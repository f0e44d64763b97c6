"""Faust agent of the compliance stage."""
from __future__ import annotations

import time

import faust

from agents.compliance.lexicon import Lexicon
from agents.compliance.logic import review
from streams.app import stage_agent, stage_runner
from streams.settings import REPO_DIR, Settings
from streams.topics import REPLY_DRAFT


def default_lexicon() -> Lexicon:
    return Lexicon.from_tsv(REPO_DIR / "data" / "compliance" / "lexicon.tsv")


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "compliance", "DraftReply", settings)
    lexicon = default_lexicon()

    stage_agent(app, runner, REPLY_DRAFT, lambda d: review(d, lexicon, int(time.time() * 1000)))
