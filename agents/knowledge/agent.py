"""Faust agent of the knowledge stage: every KnowledgeUpdate is applied to Neo4j, the source of
truth; retrieval workers see the version bump and refresh their vector index."""
from __future__ import annotations

from typing import Any

import faust

from contracts.stage import Emit, StageRejection
from contracts.topics import KNOWLEDGE_UPDATES
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from streams.app import stage_agent, stage_runner
from streams.settings import Settings


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "knowledge", "KnowledgeUpdate", settings)
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())

    def apply(update: dict[str, Any]) -> list[Emit]:
        try:
            graph.apply_update(update)
        except (LookupError, ValueError, KeyError) as exc:
            raise StageRejection("unsupported_input", f"{update['kind']}: {exc}") from exc
        return []

    stage_agent(app, runner, KNOWLEDGE_UPDATES, apply)
