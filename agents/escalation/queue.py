"""The agents' queue as every escalation worker sees it (pure; ``queue_tail`` keeps it current).

Sessions are partitioned across workers, but a queue position is global, so each worker folds the
whole (small, compacted) ``cs.desk.queue.v1`` topic into a ``DeskQueue`` view. The view is
eventually consistent: two handoffs in the same few milliseconds on different workers may both be
told the same position. A session queued for more than ``STALE_MS`` before another counts as
abandoned for that one's place (nobody dequeued it: the customer left, or an event was lost).
"""
from __future__ import annotations

import statistics
from collections import deque
from typing import Any

WAIT_TARGET_S = 15  # the brief's target for a customer waiting for a human
DEFAULT_WAIT_S = 30  # estimate per place before any agent has taken a session over
STALE_MS = 2 * 3600 * 1000


class DeskQueue:
    """Queued sessions in order of arrival, and recent waits per place that estimate the next one."""

    def __init__(self, recent: int = 50) -> None:
        self.queued: dict[str, int] = {}
        self.places: dict[str, int] = {}  # the place each session was told when it joined
        self.waits_per_place_ms: deque[float] = deque(maxlen=recent)

    def apply(self, event: dict[str, Any]) -> None:
        session = event["session_id"]
        if event["op"] == "enqueue":
            if session not in self.queued:
                self.places[session] = self.position(session, event["queued_at_ms"])
                self.queued[session] = event["queued_at_ms"]
        elif event["op"] == "dequeue":
            self.queued.pop(session, None)
            place = self.places.pop(session, None)
            if place is not None and event["reason"] == "taken_over":
                self.waits_per_place_ms.append((event["at_ms"] - event["queued_at_ms"]) / place)

    def position(self, session: str, queued_at_ms: int) -> int:
        """1 for the next session an agent takes; counts the session itself."""
        ahead = sum(1 for s, t in self.queued.items()
                    if s != session and queued_at_ms - STALE_MS < t and (t, s) < (queued_at_ms, session))
        return ahead + 1

    def estimated_wait_s(self, position: int) -> int:
        """Median recent wait per place in the queue, times the place."""
        per_place = statistics.median(self.waits_per_place_ms) / 1000 if self.waits_per_place_ms else DEFAULT_WAIT_S
        return max(1, round(per_place * position))

    def depth(self) -> int:
        return len(self.queued)


def queue_event(op: str, session: str, turn: int, reason: str, queued_at_ms: int, now_ms: int,
                agent_id: str | None = None) -> dict[str, Any]:
    return {"session_id": session, "turn_id": turn, "op": op, "reason": reason, "queued_at_ms": queued_at_ms,
            "agent_id": agent_id, "at_ms": now_ms}
