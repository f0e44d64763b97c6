"""The agents' queue as every escalation worker sees it.

Sessions are partitioned across workers, but a queue position is global, so each worker folds the
whole (small, compacted) ``cs.desk.queue.v1`` topic into a ``DeskQueue`` view with a consumer of
its own outside any group. Faust's GlobalTable would do this, but it loses updates with more than
one worker (faust-streaming issue #283). The view is eventually consistent: two handoffs in the
same few milliseconds on different workers may both be told the same position.
"""
from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from typing import Any

from schemas.codec import DecodeError, EventCodec

WAIT_TARGET_S = 15  # the brief's target for a customer waiting for a human
DEFAULT_WAIT_S = 30  # estimate before any agent has taken a session over


class DeskQueue:
    """Queued sessions in order of arrival, and the recent waits that estimate the next one."""

    def __init__(self, recent: int = 50) -> None:
        self.queued: dict[str, int] = {}
        self.waits_ms: deque[int] = deque(maxlen=recent)

    def apply(self, event: dict[str, Any]) -> None:
        session = event["session_id"]
        if event["op"] == "enqueue":
            self.queued.setdefault(session, event["queued_at_ms"])
        elif event["op"] == "dequeue":
            if self.queued.pop(session, None) is not None and event["reason"] == "taken_over":
                self.waits_ms.append(event["at_ms"] - event["queued_at_ms"])

    def position(self, session: str, queued_at_ms: int) -> int:
        """1 for the next session an agent takes; counts the session itself."""
        ahead = sum(1 for s, t in self.queued.items() if s != session and (t, s) < (queued_at_ms, session))
        return ahead + 1

    def estimated_wait_s(self, position: int) -> int:
        """Median recent wait per place in the queue, times the position."""
        per_place = statistics.median(self.waits_ms) / 1000 if self.waits_ms else DEFAULT_WAIT_S
        return max(1, round(per_place * position))

    def depth(self) -> int:
        return len(self.queued)


def queue_event(op: str, session: str, turn: int, reason: str, queued_at_ms: int, now_ms: int,
                agent_id: str | None = None) -> dict[str, Any]:
    return {"session_id": session, "turn_id": turn, "op": op, "reason": reason, "queued_at_ms": queued_at_ms,
            "agent_id": agent_id, "at_ms": now_ms}


class QueueTail(threading.Thread):
    """Keeps a ``DeskQueue`` current by reading every partition of the queue topic from the start."""

    def __init__(self, bootstrap: str, topic: str, codec: EventCodec, view: DeskQueue, lock: threading.Lock) -> None:
        super().__init__(name="desk-queue-tail", daemon=True)
        self.bootstrap, self.topic, self.codec, self.view, self.lock = bootstrap, topic, codec, view, lock
        self.stopping = threading.Event()

    def run(self) -> None:
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"desk-queue-{time.time_ns()}",
                             "enable.auto.commit": False})
        try:
            partitions = consumer.list_topics(self.topic, timeout=10).topics[self.topic].partitions
            consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in partitions])
            while not self.stopping.is_set():
                msg = consumer.poll(0.2)
                if msg is None or msg.error():
                    continue
                try:
                    event = self.codec.decode(msg.value(), "DeskQueue")
                except DecodeError:
                    continue
                with self.lock:
                    self.view.apply(event)
        finally:
            consumer.close()
