"""Intent stage: intent, slots and emotion of one turn."""
from __future__ import annotations

from typing import Any

from agents.intent.emotion import detect_emotion
from agents.intent.slots import extract_slots
from contracts.records import carry
from contracts.stage import Emit
from contracts.topics import NLU
from domain.dialogue import social_act, wants_human
from engines.classifiers import IntentClassifier


def understand(transcript: dict[str, Any], classifier: IntentClassifier, clarify_below: float = 0.6) -> list[Emit]:
    text = transcript["text"]
    result = classifier.classify(text)
    slots = extract_slots(text)
    # A purely social turn (greeting, thanks, "你是机器人吗") is the repair policy's, whatever the model leans to.
    social = social_act(text) is not None
    # Asking for a person is honoured wherever it is said, beside whatever else the turn is about.
    human = not social and wants_human(text)
    # A bare slot answer ("30万吧") is clear enough: the state stage ties it to the active task.
    unclear = result.confidence < clarify_below and not slots and not social and not human
    label, confidence = result.label, result.confidence
    if label == "human_agent" and not human and confidence < clarify_below:
        # An unsure "human" reading ("刚接了个电话") is no request for one: ask about the next-likeliest reading.
        confidence, label = max(((p, lab) for lab, p in result.probabilities.items() if lab != "human_agent"),
                                default=(0.0, "other"))
    intent = "other" if social else "human_agent" if human else label
    return [Emit(NLU, "Understanding", {
        **carry(transcript), "text": text, "intent": intent,
        "confidence": 1.0 if social or human else confidence,
        "slots": slots, "emotion": detect_emotion(text, result.probabilities.get("complaint", 0.0)),
        "needs_clarification": unclear,
        "engine": result.engine,
    })]
