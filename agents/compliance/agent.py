"""Faust agent of the compliance stage."""
from __future__ import annotations

import time
from typing import Any

import faust

from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import review
from agents.compliance.model import SentenceViolationModel
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Emit
from streams.topics import REPLY_DRAFT


def default_model(settings: Settings) -> SentenceViolationModel | None:
    """The learned layer per settings (None when switched off)."""
    return SentenceViolationModel.load(settings.compliance_model_dir()) if settings.compliance.learned_layer else None


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "compliance", "DraftReply", settings)
    lexicon = default_lexicon()
    model = default_model(settings)
    threshold = settings.compliance.threshold
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())

    def check(draft: dict[str, Any]) -> list[Emit]:
        cited = {pid: graph.product(pid) for pid in draft.get("source_ids", []) if pid.startswith("P-")}
        return review(draft, lexicon, int(time.time() * 1000), model, threshold, cited)

    stage_agent(app, runner, REPLY_DRAFT, check)
