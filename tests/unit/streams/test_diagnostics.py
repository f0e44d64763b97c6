"""A stuck worker's await chains name every coroutine down to what it waits on."""
from __future__ import annotations

import asyncio

from streams.diagnostics import await_chain, dump_chains


async def inner(event: asyncio.Event) -> None:
    await event.wait()


async def outer(event: asyncio.Event) -> None:
    await inner(event)


def test_the_chain_of_a_waiting_task_names_each_coroutine():
    async def main() -> tuple[list[str], str]:
        event = asyncio.Event()
        task = asyncio.create_task(outer(event), name="stuck")
        await asyncio.sleep(0)
        chain, dump = await_chain(task), dump_chains(asyncio.get_running_loop())
        event.set()
        await task
        return chain, dump

    chain, dump = asyncio.run(main())
    names = [line.rsplit(" ", 1)[-1] for line in chain if not line.strip().startswith("waits on")]
    assert names[:3] == ["outer", "inner", "wait"], chain
    assert "task stuck:" in dump
