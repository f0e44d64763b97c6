"""The fraud typology from the knowledge graph, matched against what the customer says.

Each ``ScamType`` node carries the cues that reveal it alone ("安全账户", "共享屏幕"), the hints that
reveal it only in pairs (an ordinary banking word such as "验证码" or "理赔" that a scam also uses)
and the advice it needs; a turn that reveals a type gets its advice as a ``scam`` fact, the
strongest first. Cues are matched with one Aho-Corasick automaton over the normalised
text (simplified, half-width, lower case), rebuilt only when the graph's version moves.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import ahocorasick

from domain.text import normalise

MAX_SCAM_FACTS = 2
CUE, HINT = 2, 1  # weights: a cue alone or two hints reveal a type
REVEALS = 2
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:万|千|百|w|k)?\s*(?:元|块钱|块)?")


class ScamTypology:
    def __init__(self) -> None:
        self.version: int | None = None
        self.types: dict[str, dict[str, Any]] = {}
        self._automaton: Any = None

    def refresh(self, graph: Any) -> bool:
        """Reload the typology when the graph's version moved; True if it did."""
        current = graph.version()
        if current == self.version:
            return False
        self.load(graph.scam_types())
        self.version = current
        return True

    def load(self, scams: list[dict[str, Any]]) -> None:
        automaton = ahocorasick.Automaton()
        for scam in scams:
            for weight, words in ((CUE, scam.get("cues", [])), (HINT, scam.get("hints") or [])):
                for word in map(normalise, words):
                    owners = automaton.get(word)[1] if word in automaton else []
                    automaton.add_word(word, (word, [*owners, (scam["id"], weight)]))
        if len(automaton):
            automaton.make_automaton()
        self.types = {s["id"]: s for s in scams}
        self._automaton = automaton if len(automaton) else None

    def match(self, text: str) -> list[dict[str, Any]]:
        """The scam types ``text`` reveals, as Context facts, the most-cued first."""
        if self._automaton is None:
            return []
        hits: Counter[str] = Counter()
        norm = normalise(text)
        seen: set[str] = set()
        # Then the cues a sum interrupts ("先交2000保证金才放款" reads "先交保证金才放款"), each counted once.
        for form, once in ((norm, False), (FIGURE.sub("", norm), True)):
            for _end, (word, owners) in self._automaton.iter(form):
                if once and word in seen:
                    continue
                seen.add(word)
                for scam_id, weight in owners:
                    hits[scam_id] += weight
        revealed = [s for s in hits if hits[s] >= REVEALS]
        ranked = sorted(revealed, key=lambda scam_id: (-hits[scam_id], scam_id))[:MAX_SCAM_FACTS]
        return [{"source_id": s, "kind": "scam", "title": self.types[s]["name"], "content": self.types[s]["advice"],
                 "score": float(hits[s])} for s in ranked]
