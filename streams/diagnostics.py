"""A worker that stops making progress says where it is stuck.

- The event loop re-arms ``faulthandler`` every few seconds; if the loop stalls for ``STALL_S``
  (something blocking it: a lock, a synchronous call), every thread's stack goes to the worker's log.
- ``kill -USR2 <pid>`` logs every asyncio task's whole await chain (each coroutine it waits on, down to
  the future), for a worker whose loop runs but whose records do not move. (``kill -USR1``, mode's own,
  logs the tasks' outer frames and every thread's stack.)
"""
from __future__ import annotations

import asyncio
import faulthandler
import gc
import logging
import signal
import sys
from typing import Any

STALL_S = 30.0
REARM_S = 5.0
log = logging.getLogger(__name__)


def await_chain(task: asyncio.Task) -> list[str]:
    """Where a task is: each coroutine (or async generator) it awaits, outermost first."""
    lines, awaited = [], task.get_coro()
    for _ in range(64):
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            lines.append(f"  waits on {awaited!r:.160}")
            break
        lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        awaited = (getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None)
                   or getattr(awaited, "gi_yieldfrom", None))
        if awaited is None:
            break
        awaited = _unwrap(awaited)
    return lines


def _unwrap(awaited: Any) -> Any:
    """The coroutine or async generator inside an ``__await__`` wrapper or an ``asend`` step."""
    if type(awaited).__name__ in ("coroutine_wrapper", "async_generator_asend", "async_generator_athrow"):
        inner = [r for r in gc.get_referents(awaited)
                 if hasattr(r, "cr_frame") or hasattr(r, "ag_frame") or hasattr(r, "gi_frame")]
        if inner:
            return inner[0]
    return awaited


def dump_chains(loop: asyncio.AbstractEventLoop) -> str:
    return "\n".join(f"task {t.get_name()}:\n" + "\n".join(await_chain(t)) for t in asyncio.all_tasks(loop))


def install(app: Any) -> None:
    """Arm the stall dump and the await-chain dump on ``app`` (a Faust app)."""
    out = sys.__stderr__  # the process's own stderr: Faust replaces sys.stderr by a logging proxy

    @app.timer(REARM_S)
    async def still_running() -> None:
        faulthandler.dump_traceback_later(STALL_S, repeat=False, file=out)

    @app.task
    async def on_usr2() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR2, lambda: log.warning("await chains:\n%s", dump_chains(loop)))
