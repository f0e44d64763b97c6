"""Faust agent of the intent stage."""
from __future__ import annotations

import faust

from agents.intent.logic import understand
from contracts.topics import UTTERANCE_TEXT
from engines.classifiers import load_classifier
from streams.app import stage_agent, stage_runner
from streams.settings import Settings


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "intent", "Transcript", settings)
    classifier = load_classifier(settings.intent.backend, settings.intent_model_dir())
    classifier.classify("你好")  # warm-up: lazy imports and first-call costs before the first turn
    threshold = settings.intent.clarify_below
    stage_agent(app, runner, UTTERANCE_TEXT, lambda t: understand(t, classifier, threshold))
