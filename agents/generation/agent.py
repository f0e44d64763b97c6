"""Faust agent of the generation stage."""
from __future__ import annotations

from typing import Any

import faust

from agents.generation.flows import Grounding
from agents.generation.logic import compose
from agents.generation.streaming import LlmDrafter, engine_from
from engines.bureau import SimulatedBureau
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Emit
from streams.topics import CONTEXT


def grounding(settings: Settings) -> Grounding:
    """What the business flows consult: Neo4j's product catalogue and the credit bureau (the
    deterministic simulated one; a real bureau adapter has the same call)."""
    return Grounding(catalogue=Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth()),
                     bureau=SimulatedBureau())


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "generation", "Context", settings)
    sources = grounding(settings)

    def generate(context: dict[str, Any]) -> list[Emit]:
        return compose(context, sources)

    engine = engine_from(settings.llm)
    if engine is None:
        stage_agent(app, runner, CONTEXT, generate)
        return
    drafter = LlmDrafter(engine, settings.llm, runner.publish)

    @app.task
    async def warm_up() -> None:
        await engine.warm_up()  # weights loaded before the first customer, not during their turn

    async def generate_with_llm(context: dict[str, Any]) -> list[Emit]:
        return await drafter(context, generate(context))

    stage_agent(app, runner, CONTEXT, generate_with_llm)
