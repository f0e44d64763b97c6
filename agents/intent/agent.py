"""Faust agent of the intent stage."""
from __future__ import annotations

import faust

from agents.intent.logic import understand
from engines.classifiers.keyword import KeywordIntentClassifier
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.topics import UTTERANCE_TEXT


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "intent", "Transcript", settings)
    classifier = KeywordIntentClassifier()

    stage_agent(app, runner, UTTERANCE_TEXT, lambda t: understand(t, classifier))
