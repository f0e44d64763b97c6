"""Faust agent of the generation stage."""
from __future__ import annotations

import asyncio
from typing import Any

import faust

from agents.generation.advisor import advice_drafts, watch_entry
from agents.generation.flows import Grounding
from agents.generation.logic import compose
from agents.generation.streaming import LlmDrafter, engine_from
from engines.bureau import SimulatedBureau
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from engines.holdings import SimulatedHoldings
from schemas.codec import DecodeError
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.stage import Emit
from streams.topics import CONTEXT, MARKET_EVENTS


def sellable(graph: Neo4jKnowledgeGraph) -> list[dict[str, Any]]:
    """On-sale wealth and deposit products: what holdings are drawn from and advice may suggest."""
    return [row["product"] for kind in ("wealth", "deposit") for row in graph.products_of_type(kind, limit=10_000)]


def grounding(settings: Settings) -> Grounding:
    """What the business flows consult: Neo4j's product catalogue, the credit bureau and the
    customers' holdings (deterministic simulated ones; real adapters have the same calls)."""
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    return Grounding(catalogue=graph, bureau=SimulatedBureau(), holdings=SimulatedHoldings(sellable(graph)))


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "generation", "Context", settings)
    sources = grounding(settings)
    watch = app.Table("wealth_watch", default=None, partitions=settings.kafka.partitions)

    def generate(context: dict[str, Any]) -> list[Emit]:
        entry = watch_entry(context)
        if entry is not None:
            watch[context["session_id"]] = entry
        return compose(context, sources)

    @app.task
    async def follow_the_market() -> None:
        """Every generation worker reads every market event (no group) and advises its own sessions."""
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(MARKET_EVENTS, bootstrap_servers=settings.kafka.bootstrap, group_id=None,
                                    auto_offset_reset="latest", enable_auto_commit=False)
        await consumer.start()
        try:
            async for msg in consumer:
                try:
                    event = runner.codec.decode(msg.value, "MarketEvent")
                except DecodeError:
                    continue
                products = await asyncio.to_thread(sellable, sources.catalogue)
                for emit in advice_drafts(event, list(watch.items()), sources.holdings, products):
                    await runner.publish(emit)
        finally:
            await consumer.stop()

    engine = engine_from(settings.llm)
    if engine is None:
        stage_agent(app, runner, CONTEXT, generate)
        return
    names = [row["name"] for row in sources.catalogue.run("MATCH (p:Product) RETURN p.name AS name")]
    drafter = LlmDrafter(engine, settings.llm, runner.publish, names)

    @app.task
    async def warm_up() -> None:
        await engine.warm_up()  # weights loaded before the first customer, not during their turn

    async def generate_with_llm(context: dict[str, Any]) -> list[Emit]:
        return await drafter(context, generate(context))

    stage_agent(app, runner, CONTEXT, generate_with_llm)
