"""The escalation worker's memory of what it has sent, per session.

Two sources together: what this process sent since it took a partition (recorded as it sends),
and the reply log of that partition (read before the first record of the partition is decided).
The log read is awaited by the record itself, not started by the rebalance signal: Faust resumes
a partition when its *table* recovery ends, which can be before a signal handler's read of the
reply log ends, and a replayed turn decided in that gap was answered twice.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from agents.escalation.replied import SentLog

Scan = Callable[[list[int]], Awaitable[SentLog]]


class ReplyLedger:
    def __init__(self, scan: Scan, on_undecodable: Callable[[SentLog], Awaitable[None]] | None = None) -> None:
        self._scan = scan
        self._on_undecodable = on_undecodable
        self._sent = SentLog()
        self._ready: set[int] = set()
        self._lock = asyncio.Lock()
        self.scans = 0

    async def ready(self, partition: int) -> None:
        """Return once the reply log of ``partition`` has been read since this worker took it."""
        if partition in self._ready:
            return
        async with self._lock:
            if partition in self._ready:
                return
            found = await self._scan([partition])
            self.scans += 1
            self._sent.merge(found)
            if found.undecodable and self._on_undecodable is not None:
                await self._on_undecodable(found)
            self._ready.add(partition)

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions taken away: read their log again if they come back (another worker wrote meanwhile)."""
        self._ready.difference_update(partitions)

    def last_turn(self, session: str) -> int | None:
        return self._sent.turns.get(session)

    def already(self, session: str, effect: str) -> bool:
        return effect in self._sent.effects.get(session, ())

    def effects(self, session: str) -> list[str]:
        """Causes other than customer turns already answered in ``session`` (desk, review, advice)."""
        return list(self._sent.effects.get(session, ()))

    def record(self, replies: Iterable[dict]) -> None:
        """Replies this worker is sending now (the producer keeps their order, or the worker crashes)."""
        for reply in replies:
            self._sent.note(reply)
