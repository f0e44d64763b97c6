"""Faust agent of the compliance stage."""
from __future__ import annotations

import time
from typing import Any

import faust

from agents.compliance.dynamic import needs_whole_reply
from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import assess, review
from agents.compliance.model import SentenceViolationModel
from agents.compliance.stream_gate import TurnGates
from contracts.stage import Emit
from contracts.topics import REPLY_CHUNKS_CHECKED, REPLY_CHUNKS_DRAFT, REPLY_DRAFT
from engines.bureau import SimulatedBureau
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from streams.app import stage_agent, stage_runner
from streams.settings import Settings


def default_model(settings: Settings) -> SentenceViolationModel | None:
    """The learned layer per settings (None when switched off)."""
    return SentenceViolationModel.load(settings.compliance_model_dir()) if settings.compliance.learned_layer else None


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "compliance", "DraftReply", settings, blocking=True)
    lexicon = default_lexicon()
    model = default_model(settings)
    threshold = settings.compliance.threshold
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    bureau = SimulatedBureau()  # the deterministic stand-in; a real bureau adapter has the same call

    def check(draft: dict[str, Any]) -> list[Emit]:
        cited = {pid: graph.product(pid) for pid in draft.get("source_ids", []) if pid.startswith("P-")}
        return review(draft, lexicon, int(time.time() * 1000), model, threshold, cited, bureau)

    stage_agent(app, runner, REPLY_DRAFT, check)

    # Streamed sentences pass the same static and learned layers, one sentence window at a time.
    chunks = stage_runner(app, "compliance.stream", "ReplyChunk", settings)
    gates = TurnGates(lambda sentence: assess(sentence, lexicon, model, threshold), hold=needs_whole_reply)

    def release(chunk: dict[str, Any]) -> list[Emit]:
        return [Emit(REPLY_CHUNKS_CHECKED, "ReplyChunk", c) for c in gates.feed(chunk, int(time.time() * 1000))]

    stage_agent(app, chunks, REPLY_CHUNKS_DRAFT, release)
