"""Keeps a worker's ``DeskQueue`` view current: a consumer outside any group reads every partition
of the queue topic from the start, in a thread. Faust's GlobalTable would do this, but it loses
updates with more than one worker (faust-streaming issue #283)."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from agents.escalation.queue import DeskQueue
from schemas.codec import DecodeError, EventCodec

log = logging.getLogger(__name__)


class QueueTail(threading.Thread):
    def __init__(self, bootstrap: str, topic: str, codec: EventCodec, view: DeskQueue, lock: threading.Lock,
                 on_undecodable: Callable[[int, int, bytes], None] | None = None) -> None:
        super().__init__(name="desk-queue-tail", daemon=True)
        self.bootstrap, self.topic, self.codec, self.view, self.lock = bootstrap, topic, codec, view, lock
        self.on_undecodable = on_undecodable
        self.reported: set[tuple[int, int]] = set()  # the topic is read again from the start after a failure
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        # A broker hiccup must not leave the view stale for good: read again from the start (the
        # topic is compacted and small; re-applying events is idempotent).
        while not self.stopping.is_set():
            try:
                self._follow()
            except Exception:
                log.exception("desk queue tail failed; reading the queue topic again")
                time.sleep(1.0)

    def _follow(self) -> None:
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
                    where = (msg.partition(), msg.offset())
                    if self.on_undecodable is not None and where not in self.reported:
                        self.reported.add(where)
                        self.on_undecodable(*where, msg.value() or b"")
                    continue
                with self.lock:
                    self.view.apply(event)
        finally:
            consumer.close()
