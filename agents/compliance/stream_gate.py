"""Streaming gate: streamed reply chunks reach the customer only as checked whole sentences.

The window is the sentence in progress: chunks are held until a sentence ends, then the sentence
is checked (lexicon, model, PII) and released, dropped, or the stream is stopped. A phrase split
across chunks ("保" + "本保息") is therefore always seen whole, and nothing waits for the end of
the reply.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agents.compliance.lexicon import Hit
from agents.compliance.logic import RISK_DISCLOSURE
from agents.compliance.pii import mask_pii

SENTENCE_ENDS = set("。！？!?；;\n")


@dataclass
class StreamingGate:
    check: Callable[[str], list[Hit]]
    buffer: str = ""
    hits: list[Hit] = field(default_factory=list)
    blocked: bool = False
    dropped: int = 0

    def feed(self, chunk: str) -> list[str]:
        """Sentences cleared for the customer by this chunk (possibly none)."""
        if self.blocked:
            return []
        self.buffer += chunk
        out = []
        while True:
            end = next((i for i, ch in enumerate(self.buffer) if ch in SENTENCE_ENDS), -1)
            if end < 0:
                return out
            sentence, self.buffer = self.buffer[: end + 1], self.buffer[end + 1:]
            released = self._clear(sentence)
            if self.blocked:
                return out
            if released:
                out.append(released)

    def close(self) -> list[str]:
        """Release the tail; a stream that lost a sentence ends with the risk disclosure."""
        out = []
        if self.buffer.strip() and not self.blocked:
            released = self._clear(self.buffer)
            if released:
                out.append(released)
        self.buffer = ""
        if self.dropped and not self.blocked:
            out.append(RISK_DISCLOSURE)
        return out

    def _clear(self, sentence: str) -> str:
        hits = self.check(sentence)
        self.hits.extend(hits)
        if any(h.entry.severity == "block" for h in hits):
            self.blocked = True
            return ""
        if hits:
            self.dropped += 1
            return ""
        return mask_pii(sentence)[0]
