"""Dialogue-state tracking: accumulated slots, the active task and a 20-turn memory.

Idempotent per turn: a replay of the last applied turn re-emits its state unchanged; an older
turn is dropped, so a re-delivered message never double-applies.
"""
from __future__ import annotations

from typing import Any

from agents.intent.slots import apply_change
from agents.turn import carry
from streams.stage import Emit
from streams.topics import DIALOGUE_STATE

MEMORY_TURNS = 20
# Intents that start or switch a business task; others (greetings, "转人工") leave it as it was.
TASK_INTENTS = frozenset({
    "loan_inquiry", "repayment_calc", "wealth_inquiry", "wealth_calc", "risk_assessment",
    "account_query", "credit_card", "card_security", "transfer", "insurance", "complaint",
})


def advance(previous: dict[str, Any] | None, understanding: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Emit]]:
    """Apply one Understanding to the session state; returns (state to store, emits)."""
    if previous is not None:
        if understanding["turn_id"] == previous["turn_id"]:
            return previous, [Emit(DIALOGUE_STATE, "DialogueState", previous)]
        if understanding["turn_id"] < previous["turn_id"]:
            return previous, []
    prev = previous or {}
    slots = dict(prev.get("slots", {}))
    said = dict(understanding["slots"])
    changes = {slot: said.pop(f"{slot}_change") for slot in ("amount", "term") if f"{slot}_change" in said}
    slots.update(said)
    for slot, change in changes.items():
        key = "amount" if slot == "amount" else "term_months"
        resolved = apply_change(slots.get(key), change)
        if resolved is not None:
            slots[key] = resolved
    intent = understanding["intent"]
    active_task = intent if intent in TASK_INTENTS else prev.get("active_task")
    memory = {"turn_id": understanding["turn_id"], "text": understanding["text"], "intent": intent}
    state = {
        **carry(understanding), "text": understanding["text"], "intent": intent,
        "confidence": understanding["confidence"], "slots": slots, "turn_slots": understanding["slots"],
        "active_task": active_task, "turn_count": int(prev.get("turn_count", 0)) + 1,
        "history": [*prev.get("history", []), memory][-MEMORY_TURNS:],
        "emotion": understanding["emotion"],
        "emotion_trajectory": [*prev.get("emotion_trajectory", []), understanding["emotion"]][-MEMORY_TURNS:],
        "needs_clarification": understanding["needs_clarification"],
    }
    return state, [Emit(DIALOGUE_STATE, "DialogueState", state)]
