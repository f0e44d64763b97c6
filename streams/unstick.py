"""Records fetched but never handed to the agent are fetched again.

Seen under kill -9 restarts (the kill-9 integration test, about one run in ten): Faust's fetcher hands a
record to the agent's stream in a race with "flow suspended" (recovery, rebalance); when the suspension
wins, the record is dropped, yet its read offset moves on, so it is never fetched again. The worker
looks healthy and answers nothing (a dropped tail), or answers a later turn first and the earlier one
never (a dropped middle: escalation then treats it as already answered). Nothing is committed past the
hole, so the records are still in the log. Two guards, per source partition:

- in order: records reach the agent without holes (our source topics are neither compacted nor
  transactional). A record past the next expected offset means the ones before it were dropped: the
  agent skips it and seeks back to the hole, and the records come again in order. A hole that
  persists after ``MAX_REFETCH`` seeks is taken as real and the record is processed.
- at the tail: the agent idle for ``STUCK_S`` while the consumer's position is past the next expected
  offset means records were dropped after the last one handled: seek back to it.

Re-delivery is safe: every stage is idempotent per (session, turn).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

STUCK_S = 10.0
WATCH_S = 2.0
MAX_REFETCH = 3
SKIP = -1
log = logging.getLogger(__name__)


@dataclass
class Progress:
    """What the agent has done with one source topic, per partition."""

    next_offset: dict[int, int] = field(default_factory=dict)  # partition -> offset after the last record handled
    seeking: dict[int, tuple[int, int]] = field(default_factory=dict)  # partition -> (offset sought, tries)
    accept_next: set[int] = field(default_factory=set)  # partitions whose hole was given up on
    busy: int = 0  # records in hand now
    last_activity: float = field(default_factory=time.monotonic)

    def admit(self, partition: int, offset: int, committed: int | None) -> int | None:
        """None to process the record now; ``SKIP`` to drop it unprocessed (it comes again after a seek
        already made); else the offset to seek back to (and the record is dropped)."""
        if partition in self.accept_next:
            return None
        sought = self.seeking.get(partition)
        if sought is not None:
            if offset == sought[0]:
                self.seeking.pop(partition)
                return None
            return SKIP if offset > sought[0] else None  # older ones: re-deliveries, handled idempotently
        expected = self.next_offset.get(partition, committed)
        if expected is None or offset <= expected:
            return None
        self.seeking[partition] = (expected, 1)
        return expected

    def sought_again(self, partition: int, offset: int) -> bool:
        """The tail watch seeks ``offset`` once more; False once that has been tried ``MAX_REFETCH``
        times (the hole is real: the next record that comes is processed)."""
        tries = self.seeking[partition][1] + 1 if partition in self.seeking else 1
        if tries > MAX_REFETCH:  # e.g. retention removed it: take the log as it is from here
            self.seeking.pop(partition, None)
            self.next_offset.pop(partition, None)
            self.accept_next.add(partition)
            return False
        self.seeking[partition] = (offset, tries)
        return True

    def started(self) -> None:
        self.busy += 1
        self.last_activity = time.monotonic()

    def finished(self, partition: int, offset: int) -> None:
        self.busy -= 1
        self.next_offset[partition] = max(offset + 1, self.next_offset.get(partition, 0))
        self.accept_next.discard(partition)
        self.last_activity = time.monotonic()

    def forget(self, partitions: set[int]) -> None:
        for p in partitions:
            self.next_offset.pop(p, None)
            self.seeking.pop(p, None)
            self.accept_next.discard(p)


def to_refetch(progress: Progress, positions: dict[int, int | None], committed: dict[int, int | None],
               now: float, stuck_s: float = STUCK_S) -> dict[int, int]:
    """Partition -> offset to seek to: the agent idle for ``stuck_s`` while the consumer is past records
    it never handed over (expected = after the last handled record, else the committed offset)."""
    if progress.busy or now - progress.last_activity < stuck_s:
        return {}
    out = {}
    for partition, position in positions.items():
        if partition in progress.accept_next:
            continue
        sought = progress.seeking.get(partition)
        expected = sought[0] if sought else progress.next_offset.get(partition, committed.get(partition))
        if position is not None and expected is not None and position > expected:
            out[partition] = expected
    return out


def committed_offset(app: Any, topic: str, partition: int) -> int | None:
    from faust.types import TP

    return app.consumer._committed_offset.get(TP(topic, partition))  # Faust keeps no public view


def set_aside(app: Any, message: Any) -> None:
    """A skipped record: Faust must not count its offset as done (a commit past it could lose it if
    the worker died before it comes again), nor wait for it at the next rebalance."""
    message.acked = True  # Faust's own ack of it is then a no-op, and the offset stays uncommitted
    app.consumer._unacked_messages.discard(message)


async def seek(app: Any, topic: str, partition: int, offset: int, why: str) -> None:
    from faust.types import TP

    log.warning("%s[%d]: %s; fetching again from %d", topic, partition, why, offset)
    await app.consumer.seek(TP(topic, partition), offset)


def watch(app: Any, topic: str, progress: Progress) -> None:
    """Run ``to_refetch`` every ``WATCH_S`` on ``app``'s assignment of ``topic`` and seek where it says."""

    @app.on_partitions_revoked.connect
    async def forget(sender: Any, revoked: set[Any], **_: Any) -> None:
        progress.forget({tp.partition for tp in revoked if tp.topic == topic})

    @app.timer(WATCH_S)
    async def unstick() -> None:
        consumer = app.consumer
        if app.rebalancing or not consumer.flow_active:
            return
        mine = [tp for tp in consumer.assignment() if tp.topic == topic]
        positions = {tp.partition: await consumer.position(tp) for tp in mine}
        committed = {tp.partition: committed_offset(app, topic, tp.partition) for tp in mine}
        for partition, offset in to_refetch(progress, positions, committed, time.monotonic()).items():
            if progress.sought_again(partition, offset):
                await seek(app, topic, partition, offset,
                           f"records fetched up to {positions[partition]} never reached the agent")
