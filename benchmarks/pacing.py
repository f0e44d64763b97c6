"""Open-loop pacing shared by the load benchmarks: the i-th send is due at start + i / rate, whatever
the answers do (a closed loop would hide queueing)."""
from __future__ import annotations

import time
from collections.abc import Iterator


def paced(count: int, rate: float | None) -> Iterator[int]:
    """0 .. count-1, each yielded no earlier than its due time (all at once when ``rate`` is None)."""
    start = time.perf_counter()
    for i in range(count):
        if rate:
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        yield i
