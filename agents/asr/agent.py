"""Faust agent of the ASR stage."""
from __future__ import annotations

import faust

from agents.asr.logic import transcribe
from contracts.topics import UTTERANCE_IN
from streams.app import stage_agent, stage_runner
from streams.settings import Settings


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "asr", "UtteranceIn", settings)

    stage_agent(app, runner, UTTERANCE_IN, transcribe)
