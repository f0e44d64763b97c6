"""The retrieval worker's FAQ index: built from the graph, refreshed when the graph's version moves.

Each FAQ is embedded several times (its question, question + answer, each answer sentence) into
FAISS and scored by its best vector; a character-bigram TF-IDF score catches exact product terms
the embedding blurs; the turn's intent gives a small boost to FAQs filed under it:

    score = 0.7 * best cosine + 0.3 * lexical / best lexical + 0.1 * P(FAQ's intent)
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from engines.embeddings import Embedder
from engines.text import normalise
from engines.vector.faiss_index import FaissIndex, choose_kind

VECTOR_WEIGHT, LEXICAL_WEIGHT, INTENT_WEIGHT = 0.7, 0.3, 0.1
CANDIDATES = 100
SENTENCE = re.compile(r"[^。！？；!?;]+")


def passages(faq: dict[str, Any]) -> list[str]:
    parts = [faq["question"], f"{faq['question']} {faq['answer']}"]
    return parts + [s for s in SENTENCE.findall(faq["answer"]) if len(s.strip()) > 3]


class FaqVectors:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.index: FaissIndex | None = None
        self.faqs: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, list[str]] = {}
        self.version = -1
        self._lexical: Any = None
        self._lexical_ids: list[str] = []
        self._lexical_matrix: Any = None

    def refresh(self, graph: Any) -> int:
        """Pull FAQs changed since the last refresh; returns how many changed."""
        current = graph.version()
        if current == self.version:
            return 0
        changed = graph.faqs(since_version=0 if self.index is None else self.version)
        if self.index is None:
            self.index = FaissIndex(self.embedder.dim, choose_kind(8 * len(changed)))
        for faq in changed:
            self.index.remove(self._keys.pop(faq["id"], []))
            self.faqs.pop(faq["id"], None)
        live = [f for f in changed if not f.get("deleted")]
        keys, texts = [], []
        for faq in live:
            parts = passages(faq)
            self._keys[faq["id"]] = [f"{faq['id']}#{i}" for i in range(len(parts))]
            keys += self._keys[faq["id"]]
            texts += parts
            self.faqs[faq["id"]] = faq
        if texts:
            self.index.upsert(keys, self.embedder.encode(texts))
        if changed:
            self._rebuild_lexical()
        self.version = current
        return len(changed)

    def _rebuild_lexical(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._lexical_ids = list(self.faqs)
        if not self._lexical_ids:
            self._lexical = None
            return
        docs = [f"{f['question']} {f['question']} {f['answer']}" for f in (self.faqs[i] for i in self._lexical_ids)]
        self._lexical = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True,
                                        preprocessor=normalise).fit(docs)
        self._lexical_matrix = self._lexical.transform(docs).T.tocsc()

    def search(self, text: str, k: int, intent_probs: dict[str, float] | None = None) -> list[tuple[dict[str, Any], float]]:
        if self.index is None or not self.faqs:
            return []
        [hits] = self.index.search(self.embedder.encode([text]), CANDIDATES * 4)
        vector: dict[str, float] = {}
        for key, score in hits:
            faq_id = key.split("#", 1)[0]
            vector[faq_id] = max(vector.get(faq_id, -1.0), score)
        lexical_row = np.asarray((self._lexical.transform([text]) @ self._lexical_matrix).todense()).ravel()
        best = float(lexical_row.max()) or 1.0
        lexical = {self._lexical_ids[i]: float(lexical_row[i]) / best for i in np.argsort(-lexical_row)[:CANDIDATES]}
        intent_probs = intent_probs or {}
        scored = []
        for faq_id in set(vector) | set(lexical):
            if faq_id not in self.faqs:
                continue
            score = (VECTOR_WEIGHT * vector.get(faq_id, 0.0) + LEXICAL_WEIGHT * lexical.get(faq_id, 0.0)
                     + INTENT_WEIGHT * intent_probs.get(self.faqs[faq_id].get("intent", ""), 0.0))
            scored.append((self.faqs[faq_id], round(score, 4)))
        scored.sort(key=lambda pair: -pair[1])
        return scored[:k]
