"""The retrieval worker's FAQ index: built from the graph, refreshed when the graph's version moves.

Each FAQ is embedded several times into FAISS: the ways a customer asks for it (its question and
its aliases, colloquial paraphrases kept with the FAQ) and what it says (its question, question +
answer, each answer sentence). A FAQ is scored by its best "ask" vector and its best "content"
vector, a character-bigram TF-IDF score over question, aliases and answer catches exact product
terms the embedding blurs, and the turn's intent gives a small boost to FAQs filed under it:

    score = 0.5 * best ask cosine + 0.5 * best content cosine
          + 0.45 * lexical / best lexical + 0.1 * P(FAQ's intent)

The weights were chosen by 5-fold cross-validation on the aliases alone (each fold's aliases held
out of the index and asked as questions), never on the labelled evaluation sets; see
``choose_weights`` in benchmarks/retrieval.py.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np

from agents.retrieval.lexical import CharTfidf
from domain.numerals import canonical_form
from engines.embeddings import Embedder
from engines.vector.faiss_index import FaissIndex, choose_kind

SENTENCE = re.compile(r"[^。！？；!?;]+")
# FAISS returns this many passages per question; at catalogue size that is every passage, so the
# scores are exact; past it a FAQ whose passages all fall outside scores UNMATCHED on that side.
CANDIDATE_PASSAGES = 4_096
UNMATCHED = -1.0
QUERY_CACHE = 2_048  # question embeddings kept: repeated and retried questions skip the encoder


class Weights(NamedTuple):
    ask: float = 0.5
    content: float = 0.5
    lexical: float = 0.45
    intent: float = 0.1


class Passage(NamedTuple):
    text: str
    ask: bool  # a way of asking for the FAQ
    content: bool  # what the FAQ says


def passages(faq: dict[str, Any]) -> list[Passage]:
    question, answer = faq["question"], faq["answer"]
    return ([Passage(question, True, True), Passage(f"{question} {answer}", False, True)]
            + [Passage(s, False, True) for s in SENTENCE.findall(answer) if len(s.strip()) > 3]
            + [Passage(a, True, False) for a in faq.get("aliases") or [] if a.strip()])


def lexical_document(faq: dict[str, Any]) -> str:
    return " ".join([faq["question"], faq["question"], *(faq.get("aliases") or []), faq["answer"]])


class FaqFeatures(NamedTuple):
    """Per-FAQ signals for one question, aligned with ``FaqVectors.ids``."""

    ask: np.ndarray
    content: np.ndarray
    lexical: np.ndarray
    intent: np.ndarray


class FaqVectors:
    def __init__(self, embedder: Embedder, weights: Weights = Weights()) -> None:
        self.embedder = embedder
        self.weights = weights
        self.index: FaissIndex | None = None
        self.faqs: dict[str, dict[str, Any]] = {}
        self.version = -1
        self.ids: list[str] = []
        self._keys: dict[str, list[str]] = {}
        self._kinds: dict[str, list[Passage]] = {}
        self._owner = np.zeros(0, dtype=np.int64)  # FAISS number -> position in ids, -1 if none
        self._is_ask = np.zeros(0, dtype=bool)
        self._is_content = np.zeros(0, dtype=bool)
        self._intents = np.zeros(0, dtype=object)
        self._lexical: CharTfidf | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    def refresh(self, graph: Any) -> int:
        """Pull FAQs changed since the last refresh; returns how many changed."""
        current = graph.version()
        if current == self.version:
            return 0
        changed = graph.faqs(since_version=0 if self.index is None else self.version)
        if self.index is None:
            self.index = FaissIndex(self.embedder.dim, choose_kind(10 * len(changed)), search_threads=1)
        for faq in changed:
            self.index.remove(self._keys.pop(faq["id"], []))
            self._kinds.pop(faq["id"], None)
            self.faqs.pop(faq["id"], None)
        keys, texts = [], []
        for faq in (f for f in changed if not f.get("deleted")):
            parts = passages(faq)
            self._keys[faq["id"]] = [f"{faq['id']}#{i}" for i in range(len(parts))]
            self._kinds[faq["id"]] = parts
            keys += self._keys[faq["id"]]
            texts += [p.text for p in parts]
            self.faqs[faq["id"]] = faq
        if texts:
            self.index.upsert(keys, self.embedder.encode(texts))
        if changed:
            self._rebuild_tables()
        self.version = current
        return len(changed)

    def _rebuild_tables(self) -> None:
        """Arrays from FAISS numbers to FAQs and passage kinds, and the lexical index."""
        assert self.index is not None
        self.ids = list(self.faqs)
        keys = [k for faq_id in self.ids for k in self._keys[faq_id]]
        numbers = self.index.numbers(keys)
        size = int(numbers.max()) + 1 if len(numbers) else 0
        self._owner = np.full(size, -1, dtype=np.int64)
        self._is_ask = np.zeros(size, dtype=bool)
        self._is_content = np.zeros(size, dtype=bool)
        kinds = [p for faq_id in self.ids for p in self._kinds[faq_id]]
        self._owner[numbers] = np.repeat(np.arange(len(self.ids)), [len(self._keys[i]) for i in self.ids])
        self._is_ask[numbers] = [p.ask for p in kinds]
        self._is_content[numbers] = [p.content for p in kinds]
        self._intents = np.array([self.faqs[i].get("intent", "") for i in self.ids], dtype=object)
        self._lexical = CharTfidf([lexical_document(self.faqs[i]) for i in self.ids]) if self.ids else None

    def embed_question(self, text: str, carried: np.ndarray | None = None) -> np.ndarray:
        """The question's embedding, of its canonical form (the intent model embeds the same form, so
        the vector an event ``carried`` from the intent stage is this one, not computed again)."""
        form = canonical_form(text)
        vector = self._queries.get(form)
        if vector is None:
            vector = carried if carried is not None and carried.shape == (self.embedder.dim,) else \
                self.embedder.encode([form])[0]
            self._queries[form] = vector
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        else:
            self._queries.move_to_end(form)
        return vector

    def dense_scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each FAQ's best ask and best content cosine with a question's embedding."""
        assert self.index is not None
        n = len(self.ids)
        scores, numbers = self.index.search_numbers(vector[None, :], min(len(self.index), CANDIDATE_PASSAGES))
        scores, numbers = scores[0], numbers[0]
        known = (numbers >= 0) & (numbers < len(self._owner))
        owners = np.full(len(numbers), -1, dtype=np.int64)
        owners[known] = self._owner[numbers[known]]
        live = owners >= 0
        scores, numbers, owners = scores[live], numbers[live], owners[live]
        sides = []
        for side in (self._is_ask[numbers], self._is_content[numbers]):
            best = np.full(n, UNMATCHED, dtype=np.float32)
            # Hits come best first, so a FAQ's first hit on a side is its best there.
            found, first = np.unique(owners[side], return_index=True)
            best[found] = scores[side][first]
            sides.append(best)
        return sides[0], sides[1]

    def lexical_scores(self, text: str) -> np.ndarray:
        """Each FAQ's TF-IDF similarity with the question, divided by the best one."""
        return self._lexical.scores(text) if self._lexical is not None else np.zeros(0)

    def intent_scores(self, intent_probs: dict[str, float] | None) -> np.ndarray:
        prior = np.zeros(len(self.ids), dtype=np.float32)
        for label, p in (intent_probs or {}).items():
            prior[self._intents == label] += p
        return prior

    def features(self, text: str, intent_probs: dict[str, float] | None = None,
                 carried: np.ndarray | None = None) -> FaqFeatures:
        """Every live FAQ's signals for ``text`` (the index must hold at least one FAQ)."""
        ask, content = self.dense_scores(self.embed_question(text, carried))
        return FaqFeatures(ask, content, self.lexical_scores(text), self.intent_scores(intent_probs))

    def rank(self, features: FaqFeatures, k: int) -> list[tuple[dict[str, Any], float]]:
        w = self.weights
        score = (w.ask * features.ask + w.content * features.content + w.lexical * features.lexical
                 + w.intent * features.intent)
        best = np.argsort(-score, kind="stable")[:k]
        return [(self.faqs[self.ids[i]], round(float(score[i]), 4)) for i in best]

    def search(self, text: str, k: int, intent_probs: dict[str, float] | None = None,
               carried: np.ndarray | None = None) -> list[tuple[dict[str, Any], float]]:
        """The ``k`` best FAQs for ``text``; ``carried``: its embedding, where an earlier stage computed it."""
        if self.index is None or not self.faqs:
            return []
        return self.rank(self.features(text, intent_probs, carried), k)

    def clear_question_cache(self) -> None:
        self._queries.clear()

    def warm_up(self) -> None:
        """One search, so the first customer does not pay for lazy set-up (text normaliser, sklearn)."""
        if self.faqs:
            self.search("您好", 1)
            self.clear_question_cache()
