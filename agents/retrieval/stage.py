"""What the retrieval worker runs for each DialogueState: the pure stage (``logic.retrieve``) over
the cached catalogue and the FAQ index, with the catalogue's freshness check started in the
background first, so its Neo4j round trip overlaps the question's embedding and search.

    stage = RetrievalStage(Neo4jKnowledgeGraph(uri), faq_vectors)
    [emit] = stage(dialogue_state)
"""
from __future__ import annotations

from typing import Any

from agents.retrieval.faq_index import FaqVectors
from agents.retrieval.logic import needs_catalogue, retrieve
from agents.retrieval.scams import ScamTypology
from contracts.stage import Emit
from engines.embeddings import vector_from
from engines.graph import KnowledgeGraph
from engines.graph.cache import CatalogueCache


class RetrievalStage:
    def __init__(self, graph: KnowledgeGraph, faqs: FaqVectors, scams: ScamTypology | None = None) -> None:
        self.catalogue = CatalogueCache(graph)
        self.faqs = faqs
        self.scams = scams

    def __call__(self, state: dict[str, Any]) -> list[Emit]:
        if needs_catalogue(state):
            self.catalogue.prefetch_token()
        carried = vector_from(state.get("embedding"), self.faqs.embedder.dim)

        def search(text: str, k: int, intent_probs: dict[str, float]) -> list[tuple[dict[str, Any], float]]:
            # the carried embedding is the turn's own text's, never another text's
            return self.faqs.search(text, k, intent_probs, carried if text == state["text"] else None)

        try:
            return retrieve(state, self.catalogue, search, self.scams.match if self.scams else None)
        finally:
            self.catalogue.drop_prefetch()

    def close(self) -> None:
        self.catalogue.close()
