"""Streaming gate: streamed reply chunks reach the customer only as checked whole sentences.

The window is the sentence in progress: chunks are held until a sentence ends, then the sentence
is checked (lexicon, model, PII) and released, dropped, or the stream is stopped. A phrase split
across chunks ("保" + "本保息") is therefore always seen whole, and nothing waits for the end of
the reply.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.compliance.lexicon import Hit, LexiconEntry
from agents.compliance.pii import mask_pii
from domain.disclosures import RISK_DISCLOSURE
from domain.text import complete_sentences

HELD = LexiconEntry("held", "held_for_whole_reply", "block", "流式输出：需结合产品与客户数据整体核验的句子不提前发送")


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
        sentences, self.buffer = complete_sentences(self.buffer + chunk)
        out = []
        for sentence in sentences:
            released = self._clear(sentence)
            if self.blocked:
                return out
            if released:
                out.append(released)
        return out

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


class TurnGates:
    """One ``StreamingGate`` per streamed turn, for ReplyChunk events (pure apart from the clock).

    Chunks of a session share its partition, so one worker sees a turn's whole stream in order.
    A gate lives until its turn's final chunk, or is evicted (oldest first) past ``limit`` turns;
    a worker restart mid-stream starts the turn's gate afresh — the turn's Reply, checked as a
    whole, is what the customer keeps either way.
    """

    def __init__(self, check: Callable[[str], list[Hit]], limit: int = 10_000,
                 hold: Callable[[str], bool] = lambda sentence: False) -> None:
        self.limit = limit
        # A sentence to ``hold`` ends the stream like a block, silently: the turn's Reply, reviewed
        # whole (dynamic layer included), is then the only place it appears.
        self.check = lambda sentence: ([Hit(HELD, 0, len(sentence))] if hold(sentence) else []) or check(sentence)
        self.gates: OrderedDict[tuple[str, int], StreamingGate] = OrderedDict()
        self.sent: dict[tuple[str, int], int] = {}
        self.closed: OrderedDict[tuple[str, int], None] = OrderedDict()  # ended or stopped: later chunks drop

    def feed(self, chunk: dict[str, Any], now_ms: int) -> list[dict[str, Any]]:
        """Checked chunks to release for this draft chunk (renumbered from 0 per turn); the last one
        of a turn — at its final chunk, or when the gate stops the stream — carries ``final``."""
        key = (chunk["session_id"], chunk["turn_id"])
        if key in self.closed:
            return []
        gate = self.gates.get(key)
        if gate is None:
            gate = self.gates[key] = StreamingGate(self.check)
            self.sent[key] = 0
            while len(self.gates) > self.limit:
                old, _ = self.gates.popitem(last=False)
                self.sent.pop(old, None)
        texts = gate.feed(chunk["text"])
        if chunk["final"] and not gate.blocked:
            texts += gate.close()
        out = [{**chunk, "seq": self.sent[key] + i, "text": text, "final": False, "created_at_ms": now_ms}
               for i, text in enumerate(texts)]
        self.sent[key] += len(out)
        if chunk["final"] or gate.blocked:
            if not out:
                out = [{**chunk, "seq": self.sent[key], "text": "", "created_at_ms": now_ms}]
            out[-1] = {**out[-1], "final": True}
            self.gates.pop(key, None)
            self.sent.pop(key, None)
            self.closed[key] = None
            while len(self.closed) > self.limit:
                self.closed.popitem(last=False)
        return out
