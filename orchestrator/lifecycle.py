"""Stopping background work so that a stop always ends.

``cancel_and_wait`` is the one way to stop a background task here. The common idiom
``task.cancel(); with suppress(CancelledError): await task`` also swallows a
cancellation of the *caller* that arrives while it waits; a worker loop that stops a
task from inside its handler then survives its own cancellation and waits forever for
its next message, and whatever gathers it at shutdown hangs with it.

``with_deadline`` makes each cleanup context's shutdown half bounded.

A process that is told to stop must stop: a container runtime kills it after its grace
period, and then nothing after the stuck step runs (the database pool, the broker
connection). So the part of each cleanup context after its ``yield`` runs as a task
with a deadline; one that misses it is logged with what its tasks were waiting for,
cancelled, and left behind, and the remaining steps still run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

CleanupStep = Callable[[web.Application], AsyncIterator[None]]


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel ``tasks`` (``None`` and the current task are skipped) and wait until they
    have ended; an error they ended with is raised, a cancellation of the caller too."""
    current = asyncio.current_task()
    stopping = [task for task in tasks if task is not None and task is not current]
    for task in stopping:
        task.cancel()
    if not stopping:
        return
    await asyncio.wait(stopping)
    for task in stopping:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


def with_deadline(step: CleanupStep, seconds: float) -> CleanupStep:
    """``step`` as a cleanup context whose shutdown half gets ``seconds`` to finish."""

    async def bounded(app: web.Application) -> AsyncIterator[None]:
        steps = step(app)
        await anext(steps)
        yield
        finishing = asyncio.ensure_future(anext(steps, None))
        done, _ = await asyncio.wait({finishing}, timeout=seconds)
        if finishing in done:
            finishing.result()  # its exception, if any, is aiohttp's to report
            return
        log.error(
            "shutdown step %s did not finish within %.0f s; going on without it\n"
            "it waits at:\n%s\npending tasks:\n%s",
            step.__name__,
            seconds,
            where_it_waits(steps),
            pending_tasks_report(),
        )
        finishing.cancel()

    bounded.__name__ = step.__name__
    return bounded


def pending_tasks_report() -> str:
    """Every pending task of the running loop with where it waits (for the log)."""
    return "\n".join(
        f"--- {task!r}\n{where_it_waits(task.get_coro())}" for task in asyncio.all_tasks()
    )


def where_it_waits(awaitable: object) -> str:
    """The chain of coroutine and generator frames down to the innermost ``await``.

    ``Task.print_stack`` shows only a task's own coroutine; the await that hangs is
    usually several calls deeper.
    """
    lines = []
    current: object | None = awaitable
    while current is not None:
        frame = next(
            (
                getattr(current, name)
                for name in ("cr_frame", "ag_frame", "gi_frame")
                if getattr(current, name, None) is not None
            ),
            None,
        )
        if frame is not None:
            code = frame.f_code
            lines.append(f"  {code.co_filename}:{frame.f_lineno} in {code.co_name}")
        current = next(
            (
                getattr(current, name)
                for name in ("cr_await", "ag_await", "gi_yieldfrom")
                if getattr(current, name, None) is not None
            ),
            None,
        )
    return "\n".join(lines) or "  (no frames)"
