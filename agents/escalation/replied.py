"""What the customer has already been sent, read back from the reply topic.

At-least-once processing replays a turn whose reply reached the broker just before a crash
(after the send, before the table's changelog write). The reply log itself is the truth, so
before the escalation worker handles the first record of a partition it now owns, it reads the
recent tail of the reply partition with the same number (same key, same partitioner) and never
sends the same answer twice.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas.codec import DecodeError, EventCodec

LOOKBACK = 20_000  # records per partition; replays come from the last commit interval, far fewer
EFFECTS_KEPT = 200  # per session: desk messages, review outcomes and advice remembered


@dataclass
class SentLog:
    """Per session: the highest customer turn answered and the other causes already replied to."""

    turns: dict[str, int] = field(default_factory=dict)
    effects: dict[str, list[str]] = field(default_factory=dict)
    undecodable: list[tuple[int, int, bytes]] = field(default_factory=list)  # (partition, offset, bytes)

    def note(self, reply: dict) -> None:
        session = reply["session_id"]
        effect = reply.get("effect_id")
        if effect:
            kept = self.effects.setdefault(session, [])
            if effect not in kept:
                kept.append(effect)
                del kept[:-EFFECTS_KEPT]
        elif not reply.get("proactive"):  # the bank's own advice answers no customer turn
            if reply["turn_id"] > self.turns.get(session, -1):
                self.turns[session] = reply["turn_id"]

    def merge(self, other: SentLog) -> None:
        for session, turn in other.turns.items():
            if turn > self.turns.get(session, -1):
                self.turns[session] = turn
        for session, effects in other.effects.items():
            kept = self.effects.setdefault(session, [])
            kept.extend(e for e in effects if e not in kept)
            del kept[:-EFFECTS_KEPT]


def effect_of(reply: dict) -> str | None:
    """The key a reply is deduplicated by when it answers no new customer turn."""
    return reply.get("effect_id")


def read_sent(bootstrap: str, topic: str, partitions: Iterable[int], codec: EventCodec,
              lookback: int = LOOKBACK, timeout: float = 60.0) -> SentLog:
    """The last ``lookback`` replies of each partition, read to the partition's end."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"escalation-scan-{time.monotonic_ns()}",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    sent = SentLog()
    try:
        assignment, pending = [], set()
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                assignment.append(TopicPartition(topic, p, max(low, high - lookback)))
                pending.add(p)
        consumer.assign(assignment)
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                # Deciding without the whole log could send an answer twice: better not decide.
                raise TimeoutError(f"reply log of partitions {sorted(pending)} not read within {timeout}s")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    pending.discard(msg.partition())
                continue
            try:
                sent.note(codec.decode(msg.value(), "Reply"))
            except DecodeError:
                sent.undecodable.append((msg.partition(), msg.offset(), msg.value() or b""))
    finally:
        consumer.close()
    return sent
