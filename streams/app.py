"""Faust app factory and the thin I/O every agent shares."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import faust

from schemas.codec import EventCodec, schema_ids_for
from streams.settings import Settings
from streams.stage import Incoming, Logic, StageRunner
from streams.topics import app_id
from streams.tracing import init_tracing
from streams.unstick import FILLED, SKIP, Progress, clear_gaps_from, committed_offset, seek, set_aside, watch


def create_app(stage: str, settings: Settings) -> faust.App:
    """A Faust app for one stage: its own consumer group, table store and changelogs."""
    datadir = settings.run_dir / "faust" / stage
    datadir.mkdir(parents=True, exist_ok=True)
    brokers = [f"kafka://{hp.strip()}" for hp in settings.kafka.bootstrap.split(",")]
    return faust.App(
        app_id(settings, stage),
        broker=brokers,
        store="rocksdb://",
        datadir=str(datadir),
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication,
        topic_allow_declare=False,  # the topic catalog creates every topic up front
        topic_disable_leader=True,
        broker_session_timeout=settings.kafka.session_timeout_s,
        broker_heartbeat_interval=settings.kafka.heartbeat_interval_s,
        broker_commit_interval=1.0,
        # After a broker restart a group leader can assign while a topic's metadata is still empty,
        # leaving that topic unconsumed until the next metadata refresh notices (default 5 min).
        consumer_metadata_max_age_ms=5_000,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=2 * 1024 * 1024,
        web_enabled=False,
        autodiscover=False,
    )


def raw_topic(app: faust.App, name: str) -> Any:
    """Topics carry Confluent-framed Avro bytes; our codec decodes them, not Faust."""
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


def incoming(event: Any) -> Incoming:
    msg = event.message
    headers = msg.headers or ()
    if isinstance(headers, dict):
        headers = list(headers.items())
    return Incoming(msg.topic, msg.partition, msg.offset, msg.key, msg.value, tuple(headers))


def stage_runner(app: faust.App, stage: str, input_schema: str, settings: Settings,
                 blocking: bool = False) -> StageRunner:
    topics: dict[str, Any] = {}

    async def send(topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]],
                   partition: int | None = None) -> Any:
        if topic not in topics:
            topics[topic] = raw_topic(app, topic)
        return await topics[topic].send(key=key, value=value, headers=headers, partition=partition)

    tracer = init_tracing(f"cs-{stage}", settings.telemetry.span_log)
    codec = EventCodec(schema_ids_for(settings.schema_registry_url))
    return StageRunner(stage, input_schema, codec, tracer, send, settings.kafka.max_payload_bytes, blocking,
                       settings.telemetry.record_content)


def stage_agent(app: faust.App, runner: StageRunner, source: str, logic: Logic,
                prepare: Callable[[Incoming], Awaitable[None]] | None = None) -> Any:
    """The Faust agent every stage is: each record of ``source`` through ``runner`` with ``logic``.
    ``prepare`` is awaited before each record (e.g. until what the record is decided against is loaded)."""

    progress = Progress()
    watch(app, source, progress)

    async def process(stream: Any) -> None:
        async for event in stream.events():
            msg = incoming(event)
            hole = progress.admit(msg.partition, msg.offset, committed_offset(app, source, msg.partition))
            if hole == FILLED:
                clear_gaps_from(app, source, msg.partition, msg.offset)
            elif hole is not None:  # the records before it were dropped on the way: they come again first
                set_aside(app, event.message)
                if hole != SKIP:
                    await seek(app, source, msg.partition, hole, f"offset {msg.offset} arrived before {hole}")
                continue
            progress.started()
            try:
                if prepare is not None:
                    await prepare(msg)
                await runner.handle(msg, logic)
            finally:
                progress.finished(msg.partition, msg.offset)

    return app.agent(raw_topic(app, source), name=runner.stage)(process)
