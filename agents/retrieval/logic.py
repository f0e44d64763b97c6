"""Retrieval stage (skeleton): seed FAQ passages matched by task and character bigrams.

The knowledge issue replaces the index with Neo4j + FAISS behind the same call.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.turn import carry
from streams.stage import Emit
from streams.topics import CONTEXT

TOP_K = 3


@dataclass(frozen=True)
class Passage:
    source_id: str
    intent: str
    title: str
    content: str


def bigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i:i + 2] for i in range(len(compact) - 1)}


class SeedFaqIndex:
    """Ranks passages: same task as the turn counts most, then bigram overlap with the text."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._grams = [bigrams(p.title + p.content) for p in passages]

    @classmethod
    def from_jsonl(cls, path: Path) -> SeedFaqIndex:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return cls([Passage(r["id"], r["intent"], r["title"], r["content"]) for r in rows])

    def search(self, text: str, task: str | None, k: int = TOP_K) -> list[tuple[Passage, float]]:
        query = bigrams(text)
        scored = []
        for passage, grams in zip(self.passages, self._grams, strict=True):
            overlap = len(query & grams) / (len(query) or 1)
            score = (1.0 if task and passage.intent == task else 0.0) + overlap
            if score > 0.05:
                scored.append((passage, round(score, 4)))
        scored.sort(key=lambda pair: -pair[1])
        return scored[:k]


def retrieve(state: dict[str, Any], index: SeedFaqIndex) -> list[Emit]:
    task = state["intent"] if state["intent"] != "other" else state.get("active_task")
    facts = [
        {"source_id": p.source_id, "kind": "faq", "title": p.title, "content": p.content, "score": score}
        for p, score in index.search(state["text"], task)
    ]
    return [Emit(CONTEXT, "Context", {
        **carry(state, "text", "intent", "confidence", "slots", "active_task", "emotion",
                "emotion_trajectory", "needs_clarification"),
        "facts": facts,
    })]
