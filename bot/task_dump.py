"""What every asyncio task of a process is waiting on, written to stderr on SIGUSR1: a worker
that stops answering can be asked where it hangs without stopping it (`kill -USR1 <pid>`)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from types import CoroutineType, FrameType, GeneratorType
from typing import Any, TextIO


def _await_chain(awaitable: Any) -> Iterator[FrameType]:
    """The suspended frames from a task's coroutine down to the innermost await (a task's
    own stack shows only the outermost frame while it is suspended)."""
    while awaitable is not None:
        if isinstance(awaitable, CoroutineType):
            frame, awaitable = awaitable.cr_frame, awaitable.cr_await
        elif isinstance(awaitable, GeneratorType):
            frame, awaitable = awaitable.gi_frame, awaitable.gi_yieldfrom
        else:  # a Future or a C-level awaitable: the chain ends here
            return
        if frame is not None:
            yield frame


def dump_tasks(out: TextIO = sys.stderr) -> None:
    """One block per task: its name, then file:line and function of each awaiting frame.
    Code locations only, no variables, so no customer data reaches the log."""
    tasks = asyncio.all_tasks()
    print(f"=== {len(tasks)} asyncio tasks", file=out)
    for task in sorted(tasks, key=lambda t: t.get_name()):
        print(f"--- {task.get_name()}", file=out)
        for frame in _await_chain(task.get_coro()):
            code = frame.f_code
            print(f"    {code.co_filename}:{frame.f_lineno} in {code.co_name}", file=out)
    out.flush()
