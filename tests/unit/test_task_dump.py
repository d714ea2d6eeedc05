"""The SIGUSR1 task dump names every frame a hanging task waits in, innermost included."""

from __future__ import annotations

import asyncio
import io

from bot.task_dump import dump_tasks


async def _innermost_wait(event: asyncio.Event) -> None:
    await event.wait()


async def _handler(event: asyncio.Event) -> None:
    await _innermost_wait(event)


async def test_the_dump_shows_the_whole_await_chain_of_a_suspended_task() -> None:
    event = asyncio.Event()
    task = asyncio.create_task(_handler(event), name="stuck-handler")
    await asyncio.sleep(0)  # let it reach its await
    out = io.StringIO()
    dump_tasks(out)
    event.set()
    await task
    block = out.getvalue().split("--- stuck-handler\n", 1)[1].split("---", 1)[0]
    functions = [line.rsplit(" in ", 1)[1] for line in block.splitlines() if " in " in line]
    assert functions[:3] == ["_handler", "_innermost_wait", "wait"]
    assert "test_task_dump.py" in block
