"""Faust agent of the generation stage."""
from __future__ import annotations

import asyncio
import logging
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

log = logging.getLogger(__name__)


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

    def remember(context: dict[str, Any]) -> None:
        entry = watch_entry(context)
        if entry is not None:
            watch[context["session_id"]] = entry

    def generate(context: dict[str, Any]) -> list[Emit]:
        remember(context)
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
                    products = await asyncio.to_thread(sellable, sources.catalogue)
                    for emit in advice_drafts(event, list(watch.items()), sources.holdings, products):
                        await runner.publish(emit)
                except DecodeError:
                    continue
                except Exception:  # one bad event or a graph hiccup must not stop the worker (a task crash would)
                    log.exception("market event at offset %s not advised", msg.offset)
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
        # Weights loaded before the first customer. An engine that cannot start must not stop the
        # worker: every turn then falls back to the grounded answer (and is audited as such).
        try:
            await engine.warm_up()
        except Exception:
            log.exception("LLM %s did not warm up; the grounded composer answers meanwhile", engine.name)

    async def generate_with_llm(context: dict[str, Any]) -> list[Emit]:
        remember(context)
        # Off the event loop: the flows query Neo4j synchronously, and the engine streams meanwhile.
        emits = await asyncio.to_thread(compose, context, sources)
        return await drafter(context, emits)

    stage_agent(app, runner, CONTEXT, generate_with_llm)
