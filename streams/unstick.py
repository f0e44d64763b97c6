"""Records fetched but never handed to the agent are fetched again.

Seen under kill -9 restarts (the kill-9 integration test, about one run in ten): Faust's fetcher hands a
record to the agent's stream in a race with "flow suspended" (recovery, rebalance); when the suspension
wins, the record is dropped, yet its read offset moves on, so it is never fetched again. The worker
looks healthy and answers nothing (a dropped tail), or answers a later turn first and the earlier one
never (a dropped middle: escalation then treats it as already answered). Nothing is committed past the
hole, so the records are still in the log. Two guards, per source partition:

- in order: records reach the agent without holes (our source topics are neither compacted nor
  transactional). A record past the next expected offset means the ones before it were dropped: it is
  set aside uncommitted, the consumer seeks back to the hole, and the records come again in order.
  A record between the hole and the one that revealed it, arriving after the seek, proves the hole
  real (retention): it is processed and the hole given up.
- at the tail: the agent idle on a partition for ``STUCK_S`` while the consumer's position is past the
  next expected offset (records fetched, never handed over; or a seek undone by the rest of a batch
  the fetcher was still handing over): seek there again, at most ``MAX_REFETCH`` times per hole.

A partition of a group that has never committed has no expected offset until its first record: a drop
before that is not caught. Re-delivery is safe: every stage is idempotent per (session, turn).
"""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from faust.types import TP

STUCK_S = 5.0
WATCH_S = 1.0
MAX_REFETCH = 5
SKIP = -1  # set the record aside: it comes again after the seek
FILLED = -2  # process the record: it is the hole, come again (clear Faust's gap marks from it)
log = logging.getLogger(__name__)


@dataclass
class Progress:
    """What the agent has done with one source topic, per partition."""

    next_offset: dict[int, int] = field(default_factory=dict)  # partition -> offset after the last record handled
    seeking: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # partition -> (hole, tries, revealed by)
    accept_next: set[int] = field(default_factory=set)  # partitions whose hole was given up on
    last_progress: dict[int, float] = field(default_factory=dict)  # partition -> last record handled or seek
    busy: int = 0  # records in hand now
    since: float = field(default_factory=time.monotonic)

    def admit(self, partition: int, offset: int, committed: int | None, now: float | None = None) -> int | None:
        """None or ``FILLED`` to process the record now, ``SKIP`` to set it aside, or the offset to seek
        back to (the record is set aside too)."""
        if partition in self.accept_next:
            return None
        sought = self.seeking.get(partition)
        if sought is not None:
            hole, _tries, revealed_by = sought
            if offset == hole:
                self.seeking.pop(partition)
                return FILLED
            if hole < offset <= revealed_by:  # fetched again from the hole, yet the hole is not there
                self.seeking.pop(partition)
                return None
            return SKIP if offset > revealed_by else None  # older: a re-delivery, handled idempotently
        expected = self.next_offset.get(partition, committed)
        if expected is None or offset <= expected:
            return None
        self.seeking[partition] = (expected, 1, offset)
        self.last_progress[partition] = time.monotonic() if now is None else now
        return expected

    def sought_again(self, partition: int, offset: int, now: float | None = None) -> bool:
        """The tail watch seeks ``offset`` once more; False once a hole has been sought ``MAX_REFETCH``
        times (the next record that comes is processed, whatever its offset)."""
        hole, tries, revealed_by = self.seeking.get(partition, (offset, 0, offset))
        self.last_progress[partition] = time.monotonic() if now is None else now
        if tries + 1 > MAX_REFETCH:
            self.seeking.pop(partition, None)
            self.next_offset.pop(partition, None)
            self.accept_next.add(partition)
            return False
        self.seeking[partition] = (hole, tries + 1, revealed_by)
        return True

    def started(self) -> None:
        self.busy += 1

    def finished(self, partition: int, offset: int, now: float | None = None) -> None:
        self.busy -= 1
        self.next_offset[partition] = max(offset + 1, self.next_offset.get(partition, 0))
        self.last_progress[partition] = time.monotonic() if now is None else now
        self.accept_next.discard(partition)

    def forget(self, partitions: set[int]) -> None:
        for p in partitions:
            for table in (self.next_offset, self.seeking, self.last_progress):
                table.pop(p, None)
            self.accept_next.discard(p)


def to_refetch(progress: Progress, positions: dict[int, int | None], committed: dict[int, int | None],
               now: float, stuck_s: float = STUCK_S) -> dict[int, int]:
    """Partition -> offset to seek to: no progress on the partition for ``stuck_s`` while the consumer is
    past records the agent never handled (from the hole sought, else after the last record handled,
    else the committed offset). Nothing while the agent has a record in hand."""
    if progress.busy:
        return {}
    out = {}
    for partition, position in positions.items():
        if partition in progress.accept_next or now - progress.last_progress.get(partition, progress.since) < stuck_s:
            continue
        sought = progress.seeking.get(partition)
        expected = sought[0] if sought else progress.next_offset.get(partition, committed.get(partition))
        if position is not None and expected is not None and position > expected:
            out[partition] = expected
    return out


def committed_offset(app: Any, topic: str, partition: int) -> int | None:
    return app.consumer._committed_offset.get(TP(topic, partition))  # Faust keeps no public view


def set_aside(app: Any, message: Any) -> None:
    """A skipped record: Faust must not count its offset as done (a commit past it could lose it if
    the worker died before it comes again), nor wait for it at the next rebalance."""
    message.acked = True  # Faust's own ack of it is then a no-op, and the offset stays uncommitted
    app.consumer._unacked_messages.discard(message)


def clear_gaps_from(app: Any, topic: str, partition: int, offset: int) -> None:
    """Faust marks offsets it saw skipped as gaps (committable as if done); the hole is being handled
    now, so from ``offset`` on nothing counts as done until the agent acknowledges it."""
    gaps = app.consumer._gap.get(TP(topic, partition))
    if gaps:
        gaps.chop(offset, sys.maxsize)


async def seek(app: Any, topic: str, partition: int, offset: int, why: str) -> None:
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
        for tp in [tp for tp in consumer.assignment() if tp.topic == topic]:
            try:  # a rebalance can take the partition between these awaits: skip it, never crash the worker
                position = await consumer.position(tp)
                target = to_refetch(progress, {tp.partition: position},
                                    {tp.partition: committed_offset(app, topic, tp.partition)}, time.monotonic())
                if tp.partition in target and progress.sought_again(tp.partition, target[tp.partition]):
                    await seek(app, topic, tp.partition, target[tp.partition],
                               f"records fetched up to {position} never reached the agent")
            except Exception as exc:  # aiokafka's IllegalStateError and kin
                log.info("%s[%d]: refetch check skipped: %s", topic, tp.partition, exc)
