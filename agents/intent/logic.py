"""Intent stage: intent, slots and emotion of one turn."""
from __future__ import annotations

from typing import Any

from agents.intent.emotion import detect_emotion
from agents.intent.slots import extract_slots
from contracts.records import carry
from contracts.stage import Emit
from contracts.topics import NLU
from engines.classifiers import IntentClassifier


def understand(transcript: dict[str, Any], classifier: IntentClassifier, clarify_below: float = 0.85) -> list[Emit]:
    text = transcript["text"]
    result = classifier.classify(text)
    slots = extract_slots(text)
    # A bare slot answer ("30万吧") is clear enough: the state stage ties it to the active task.
    unclear = result.confidence < clarify_below and not slots
    return [Emit(NLU, "Understanding", {
        **carry(transcript), "text": text, "intent": result.label, "confidence": result.confidence,
        "slots": slots, "emotion": detect_emotion(text, result.probabilities.get("complaint", 0.0)),
        "needs_clarification": unclear,
        "engine": result.engine,
    })]
