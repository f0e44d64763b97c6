"""Plain confluent-kafka clients, as any non-Faust producer or consumer would use them."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition

from contracts.topics import UTTERANCE_IN
from schemas.codec import EventCodec
from streams.tracing import headers_from_context, init_tracing, trace_id_of

TRACER = init_tracing("cs-test-client", None)


def producer(bootstrap: str) -> Producer:
    # murmur2_random = Java's partitioner, which Faust tables assume.
    return Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 2})


def tail_consumer(bootstrap: str, topic: str) -> Consumer:
    """A group-less consumer positioned at the current end of every partition."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"probe-{time.monotonic_ns()}",
                  "enable.auto.commit": False})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    ends = []
    for p in parts:
        _low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        ends.append(TopicPartition(topic, p, high))
    c.assign(ends)
    return c


def send_turn(p: Producer, codec: EventCodec, session: str, turn: int, text: str, **over: Any) -> str:
    """Publish one UtteranceIn under a fresh trace; returns its trace id."""
    datum = {"session_id": session, "turn_id": turn, "customer_id": "c-1", "channel": "web", "text": text,
             "audio_ref": None, "audio_format": None, "locale": "zh-CN",
             "received_at_ms": int(time.time() * 1000), **over}
    with TRACER.start_as_current_span("test.turn"):
        headers = headers_from_context()
    p.produce(UTTERANCE_IN, key=session.encode(), value=codec.encode("UtteranceIn", datum, UTTERANCE_IN),
              headers=headers)
    p.flush(10)
    return trace_id_of(headers) or ""


def collect(c: Consumer, codec: EventCodec, schema: str, want: Callable[[dict], bool], count: int,
            timeout: float = 60.0, settle: float = 0.0) -> list[tuple[dict, Any]]:
    """Decode matching records until ``count`` arrive (then wait ``settle`` s for extras) or timeout."""
    got: list[tuple[dict, Any]] = []
    deadline = time.monotonic() + timeout
    settle_until = None
    while time.monotonic() < deadline:
        if len(got) >= count and settle_until is None:
            settle_until = time.monotonic() + settle
        if settle_until is not None and time.monotonic() >= settle_until:
            break
        msg = c.poll(0.2)
        if msg is None or msg.error():
            continue
        datum = codec.decode(msg.value(), schema)
        if want(datum):
            got.append((datum, msg))
    return got
