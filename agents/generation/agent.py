"""Faust agent of the generation stage."""
from __future__ import annotations

import logging
import time
from typing import Any

import faust

from agents.generation.advisor import advice_drafts, watch_entry
from agents.generation.flows import Grounding
from agents.generation.logic import compose
from agents.generation.references import offered_products
from agents.generation.streaming import DraftOptions, LlmDrafter
from contracts.stage import Emit
from contracts.topics import CONTEXT, MARKET_EVENTS, MARKET_TICKS
from engines.bureau import SimulatedBureau
from engines.graph.cache import CatalogueCache, start_turn
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from engines.holdings import SimulatedHoldings
from engines.llm import LLMEngine, make_engine
from streams.app import stage_agent, stage_runner
from streams.partitioning import partition_of
from streams.settings import LlmSettings, Settings
from streams.tracing import headers_from_context

log = logging.getLogger(__name__)
MARKET_STALE_MS = 3600 * 1000


def sellable(graph: Neo4jKnowledgeGraph | CatalogueCache) -> list[dict[str, Any]]:
    """On-sale wealth and deposit products: what holdings are drawn from and advice may suggest."""
    start_turn(graph)  # read afresh, not with the token of the customer turn before
    return [row["product"] for kind in ("wealth", "deposit") for row in graph.products_of_type(kind, limit=10_000)]


def engine_from(settings: LlmSettings) -> LLMEngine | None:
    if settings.backend == "none":
        return None
    if settings.backend == "openai":
        if not settings.base_url:
            raise ValueError("CS_LLM__BASE_URL is required for the openai backend")
        return make_engine("openai", base_url=settings.base_url, model=settings.model or "default", api=settings.api,
                           api_key=settings.api_key.get_secret_value() or None)
    if not settings.model:
        raise ValueError(f"CS_LLM__MODEL (a local model directory) is required for the {settings.backend} backend")
    if settings.backend == "transformers":
        return make_engine("transformers", model_dir=settings.model, device=settings.device, threads=1)
    return make_engine("tensorrt_llm", model=settings.model)


def grounding(settings: Settings) -> Grounding:
    """What the business flows consult: Neo4j's product catalogue, the credit bureau and the
    customers' holdings (deterministic simulated ones; real adapters have the same calls)."""
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    return Grounding(catalogue=CatalogueCache(graph), bureau=SimulatedBureau(), holdings=SimulatedHoldings(sellable(graph)))


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "generation", "Context", settings)
    sources = grounding(settings)
    watch = app.Table("wealth_watch", default=None, partitions=settings.kafka.partitions)
    # The products each session's last reply offered, for "这个" / "第二个" on the next turn.
    offers = app.Table("offers", default=None, partitions=settings.kafka.partitions)

    def remember(context: dict[str, Any]) -> None:
        entry = watch_entry(context)
        if entry is not None:
            watch[context["session_id"]] = entry

    def offered_before(context: dict[str, Any]) -> list[str]:
        held = offers.get(context["session_id"])
        # Only what an earlier turn offered (a replayed turn must not see its own offer).
        return list(held["products"]) if held and held["turn_id"] < context["turn_id"] else []

    def remember_offer(context: dict[str, Any], emits: list[Emit]) -> None:
        products = [p for e in emits if e.schema == "DraftReply" for p in offered_products(e.datum["source_ids"])]
        if products:
            offers[context["session_id"]] = {"turn_id": context["turn_id"], "products": products}

    async def generate(context: dict[str, Any]) -> list[Emit]:
        remember(context)  # a table write: on the event loop, where Faust expects it
        emits = await runner.in_thread(compose, context, sources, offered_before(context))  # Neo4j blocks
        remember_offer(context, emits)
        return emits

    # A market move concerns sessions on every partition, but a worker's table holds only its own:
    # one copy of the event goes to each partition of the ticks topic, and whoever owns that
    # partition advises its sessions. Both hops are ordinary stage agents (offsets, dead letters).
    fan_out = stage_runner(app, "generation.market", "MarketEvent", settings)
    partitions = settings.kafka.partitions

    def tick_every_partition(event: dict[str, Any]) -> list[Emit]:
        return [Emit(MARKET_TICKS, "MarketEvent", {**event, "partition": p}, key=event["event_id"], partition=p)
                for p in range(partitions)]

    stage_agent(app, fan_out, MARKET_EVENTS, tick_every_partition)
    ticks = stage_runner(app, "generation.advice", "MarketEvent", settings)

    async def advise_partition(tick: dict[str, Any]) -> list[Emit]:
        if int(time.time() * 1000) - tick["at_ms"] > MARKET_STALE_MS:
            return []  # advice on a move long past would mislead
        mine = [(s, e) for s, e in watch.items() if partition_of(s, partitions) == tick["partition"]]
        if not mine:
            return []
        products = await runner.in_thread(sellable, sources.catalogue)
        return advice_drafts(tick, mine, sources.holdings, products)

    stage_agent(app, ticks, MARKET_TICKS, advise_partition)

    engine = engine_from(settings.llm)
    if engine is None:
        stage_agent(app, runner, CONTEXT, generate)
        return
    names = [row["name"] for row in sources.catalogue.graph.run("MATCH (p:Product) RETURN p.name AS name")]
    options = DraftOptions(settings.llm.max_new_tokens, settings.llm.temperature, settings.llm.prompt_style,
                           settings.llm.first_chunk_s, settings.llm.total_s)
    drafter = LlmDrafter(engine, options, runner.publish, names,
                         lambda: {k: v.decode() for k, v in headers_from_context()})

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
        emits = await runner.in_thread(compose, context, sources, offered_before(context))
        remember_offer(context, emits)
        return await drafter(context, emits)

    stage_agent(app, runner, CONTEXT, generate_with_llm)
