"""Intent stage: intent, slots and emotion of one turn."""
from __future__ import annotations

from typing import Any

from agents.intent.slots import extract_slots
from agents.turn import carry
from engines.classifiers import IntentClassifier
from streams.stage import Emit
from streams.topics import NLU

NEGATIVE = ("投诉", "生气", "太差", "垃圾", "骗子", "气死", "不满", "愤怒", "受不了", "曝光", "差劲", "离谱", "无语")
POSITIVE = ("谢谢", "满意", "不错", "太好了", "感谢")


def detect_emotion(text: str) -> str:
    if any(w in text for w in NEGATIVE):
        return "negative"
    if any(w in text for w in POSITIVE):
        return "positive"
    return "neutral"


def understand(transcript: dict[str, Any], classifier: IntentClassifier, clarify_below: float = 0.85) -> list[Emit]:
    text = transcript["text"]
    result = classifier.classify(text)
    slots = extract_slots(text)
    # A bare slot answer ("30万吧") is clear enough: the state stage ties it to the active task.
    unclear = result.confidence < clarify_below and not slots
    return [Emit(NLU, "Understanding", {
        **carry(transcript), "text": text, "intent": result.label, "confidence": result.confidence,
        "slots": slots, "emotion": detect_emotion(text), "needs_clarification": unclear,
        "engine": result.engine,
    })]
