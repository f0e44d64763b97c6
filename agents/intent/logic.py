"""Intent stage: intent, slots and emotion of one turn."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from agents.intent.emotion import detect_emotion
from agents.intent.slots import extract_slots
from contracts.records import carry
from contracts.stage import Emit
from contracts.topics import NLU
from domain.dialogue import social_act, wants_human
from domain.grievance import voices_grievance
from domain.numerals import canonical_form
from engines.classifiers import IntentClassifier
from engines.embeddings import RememberingEmbedder, vector_bytes

# Two readings this close, one of them a complaint: the words decide (see ``settled_complaint``).
COMPLAINT_TIE = 0.25
NOT_SETTLED = frozenset({"human_agent", "card_security", "other"})


def settled_complaint(text: str, probabilities: dict[str, float]) -> str | None:
    """Between a complaint and a topic read almost equally ("app转账老是失败 体验挺差的"), a grievance about
    the service makes it the complaint; without one it is the topic ("到底能不能保证不亏钱" asks)."""
    (first, p1), (second, p2) = sorted(probabilities.items(), key=lambda kv: -kv[1])[:2]
    topic = second if first == "complaint" else first
    # a person asked for, a fraud or a social turn is never settled into a complaint by its tone
    if "complaint" not in (first, second) or p1 - p2 >= COMPLAINT_TIE or topic in NOT_SETTLED:
        return None
    return "complaint" if voices_grievance(text) else topic


def understand(transcript: dict[str, Any], classifier: IntentClassifier, clarify_below: float = 0.6) -> list[Emit]:
    text = transcript["text"]
    result = classifier.classify(text)
    slots = extract_slots(text)
    # A purely social turn (greeting, thanks, "你是机器人吗") is the repair policy's, whatever the model leans to.
    # Asking for a person is honoured wherever it is said, beside whatever else the turn is about, and
    # over a question about who answers ("不要自动回复 我要人工").
    human = wants_human(text)
    social = not human and social_act(text) is not None
    label, confidence = result.label, result.confidence
    settled = settled_complaint(text, result.probabilities) if len(result.probabilities) > 1 else None
    if settled is not None and settled != label:
        # the words chose between the two readings, so the turn is as clear as the two together
        label, confidence = settled, round(sum(sorted(result.probabilities.values())[-2:]), 4)
    # A bare slot answer ("30万吧") is clear enough: the state stage ties it to the active task.
    unclear = confidence < clarify_below and not slots and not social and not human
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


def remember_embeddings(classifier: IntentClassifier) -> RememberingEmbedder | None:
    """Make ``classifier`` keep the sentence embeddings it computes (for ``with_embedding``); None when it
    embeds nothing."""
    inner = getattr(classifier, "embedder", None)
    if inner is None:
        return None
    classifier.embedder = RememberingEmbedder(inner)  # type: ignore[attr-defined]
    return classifier.embedder  # type: ignore[attr-defined]


def with_embedding(emits: list[Emit], embedder: RememberingEmbedder | None, text: str) -> list[Emit]:
    """The turn's Understanding carrying the sentence embedding its model computed for ``text``'s canonical
    form (the form retrieval embeds), so retrieval need not compute it again; unchanged when none was."""
    vector = embedder.remembered(canonical_form(text)) if embedder is not None else None
    if vector is None:
        return emits
    return [replace(e, datum={**e.datum, "embedding": vector_bytes(vector)}) if e.schema == "Understanding" else e
            for e in emits]
