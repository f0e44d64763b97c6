"""Which turns already have a reply on the customer-facing topic.

At-least-once processing can replay a turn whose reply reached the broker just before a crash
(after the send, before the table's changelog write). The reply log itself is the truth, so on
every assignment the escalation worker reads the recent tail of the reply partitions it now owns
(same key, same partitioner, same partition number as its input) and never replies twice.
"""
from __future__ import annotations

from collections.abc import Iterable

from schemas.codec import DecodeError, EventCodec

LOOKBACK = 20_000  # records per partition; replays come from the last commit interval, far fewer


def replied_turns(bootstrap: str, topic: str, partitions: Iterable[int], codec: EventCodec,
                  lookback: int = LOOKBACK, timeout: float = 30.0) -> dict[str, int]:
    """session_id -> highest turn_id replied, from the last ``lookback`` records of each partition."""
    import time

    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"escalation-scan-{time.monotonic_ns()}",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    latest: dict[str, int] = {}
    try:
        assignment, pending = [], set()
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                assignment.append(TopicPartition(topic, p, max(low, high - lookback)))
                pending.add(p)
        consumer.assign(assignment)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == -191:  # _PARTITION_EOF: this partition is read to its end
                    pending.discard(msg.partition())
                continue
            try:
                reply = codec.decode(msg.value(), "Reply")
            except DecodeError:
                continue
            if reply.get("proactive"):
                continue  # the bank's own advice answers no customer turn
            session, turn = reply["session_id"], reply["turn_id"]
            if turn > latest.get(session, -1):
                latest[session] = turn
    finally:
        consumer.close()
    return latest
