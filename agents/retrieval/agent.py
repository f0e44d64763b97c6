"""Faust agent of the retrieval stage: cached Neo4j lookups, a FAISS FAQ index and the fraud typology kept fresh."""
from __future__ import annotations

import logging

import faust

from agents.retrieval.faq_index import FaqVectors
from agents.retrieval.scams import ScamTypology
from agents.retrieval.stage import RetrievalStage
from contracts.topics import DIALOGUE_STATE
from engines.embeddings import load_embedder
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from streams.app import stage_agent, stage_runner
from streams.settings import Settings

log = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "retrieval", "DialogueState", settings, blocking=True)
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    faqs = FaqVectors(load_embedder())
    faqs.refresh(graph)
    faqs.warm_up()
    scams = ScamTypology()
    scams.refresh(graph)

    @app.timer(interval=REFRESH_SECONDS)
    async def refresh_faqs() -> None:
        try:
            changed = await runner.in_thread(faqs.refresh, graph)
            await runner.in_thread(scams.refresh, graph)
        except Exception:  # a graph hiccup must not stop the worker; the next tick retries
            log.exception("FAQ index refresh failed")
            return
        if changed:
            log.info("FAQ index: %d entries changed, now version %d", changed, faqs.version)

    stage_agent(app, runner, DIALOGUE_STATE, RetrievalStage(graph, faqs, scams))
