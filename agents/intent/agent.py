"""Faust agent of the intent stage."""
from __future__ import annotations

from typing import Any

import faust

from agents.intent.logic import remember_embeddings, understand, with_embedding
from contracts.stage import Emit
from contracts.topics import UTTERANCE_TEXT
from engines.classifiers import load_classifier
from streams.app import stage_agent, stage_runner
from streams.settings import Settings


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "intent", "Transcript", settings)
    classifier = load_classifier(settings.intent.backend, settings.intent_model_dir())
    # The sentence embedding the model computes for a turn travels on with it: retrieval embeds the
    # same canonical form and takes it from the event instead of computing it again.
    embedder = remember_embeddings(classifier)
    classifier.classify("你好")  # warm-up: lazy imports and first-call costs before the first turn
    threshold = settings.intent.clarify_below

    def handle(transcript: dict[str, Any]) -> list[Emit]:
        return with_embedding(understand(transcript, classifier, threshold), embedder, transcript["text"])

    stage_agent(app, runner, UTTERANCE_TEXT, handle)
