"""Forwarding peers for benchmarks/transport.py, one per process:

    python -m benchmarks.peers raw|faust|stage|quix BOOTSTRAP SRC_TOPIC DST_TOPIC
"""
from __future__ import annotations

import tempfile
import uuid

import typer


def peer_raw(bootstrap: str, src: str, dst: str) -> None:
    from confluent_kafka import Consumer, Producer

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-raw-{uuid.uuid4().hex[:6]}",
                  "auto.offset.reset": "earliest"})
    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})
    c.subscribe([src])
    while True:
        # Block for one record, then drain what is already fetched without waiting.
        first = c.poll(0.1)
        batch = ([first] if first is not None else []) + (c.consume(500, timeout=0) if first is not None else [])
        for m in batch:
            if not m.error():
                p.produce(dst, m.value(), m.key(), headers=m.headers())
        p.poll(0)


def _faust_app(bootstrap: str, name: str):  # type: ignore[no-untyped-def]
    import faust

    return faust.App(f"bench-{name}-{uuid.uuid4().hex[:6]}", broker=f"kafka://{bootstrap}", store="memory://",
                     web_enabled=False, topic_allow_declare=False, topic_disable_leader=True,
                     consumer_auto_offset_reset="earliest", broker_session_timeout=6,
                     broker_heartbeat_interval=1, datadir=tempfile.mkdtemp(), autodiscover=False)


def peer_faust(bootstrap: str, src: str, dst: str) -> None:
    from streams.app import raw_topic
    from streams.worker import faust_worker

    app = _faust_app(bootstrap, "faust")
    out = raw_topic(app, dst)

    @app.agent(raw_topic(app, src))
    async def forward(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await out.send(key=event.message.key, value=event.message.value, headers=event.message.headers)

    faust_worker(app, "warning").execute_from_commandline()


def peer_stage(bootstrap: str, src: str, dst: str) -> None:
    from contracts.stage import Emit
    from schemas.codec import EventCodec, LockedSchemaIds
    from streams.app import raw_topic, stage_agent
    from streams.stage import StageRunner
    from streams.tracing import init_tracing
    from streams.worker import faust_worker

    app = _faust_app(bootstrap, "stage")
    topics = {dst: raw_topic(app, dst)}

    async def send(topic, key, value, headers, partition=None):  # type: ignore[no-untyped-def]
        return await topics[topic].send(key=key, value=value, headers=headers, partition=partition)

    runner = StageRunner("bench", "Transcript", EventCodec(LockedSchemaIds()), init_tracing("bench", None),
                         send, 1 << 20)

    stage_agent(app, runner, src, lambda d: [Emit(dst, "Transcript", d)])

    faust_worker(app, "warning").execute_from_commandline()


def peer_quix(bootstrap: str, src: str, dst: str) -> None:
    from quixstreams import Application

    app = Application(broker_address=bootstrap, consumer_group=f"bench-quix-{uuid.uuid4().hex[:6]}",
                      auto_offset_reset="earliest", loglevel="WARNING", auto_create_topics=False,
                      use_changelog_topics=False, state_dir=tempfile.mkdtemp())
    tin = app.topic(src, key_deserializer="bytes", value_deserializer="bytes")
    tout = app.topic(dst, key_serializer="bytes", value_serializer="bytes")
    app.dataframe(tin).to_topic(tout)
    app.run()



def main(kind: str = typer.Argument(..., help="raw | faust | stage | quix"),
         bootstrap: str = typer.Argument(...), src: str = typer.Argument(...), dst: str = typer.Argument(...)) -> None:
    """Forward every record from SRC to DST until terminated."""
    runners = {"raw": peer_raw, "faust": peer_faust, "stage": peer_stage, "quix": peer_quix}
    if kind not in runners:
        raise typer.BadParameter(f"kind must be one of {', '.join(runners)}")
    runners[kind](bootstrap, src, dst)


if __name__ == "__main__":
    typer.run(main)
