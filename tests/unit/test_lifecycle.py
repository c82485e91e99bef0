"""Stopping background work: a stuck shutdown step cannot hold the process, and
stopping a task never swallows the caller's own cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from orchestrator.lifecycle import cancel_and_wait, with_deadline


async def test_a_stuck_step_is_reported_and_the_other_steps_still_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed: list[str] = []
    release = asyncio.Event()

    async def database(_app: web.Application) -> AsyncIterator[None]:
        yield
        closed.append("database")

    async def stubborn(_app: web.Application) -> AsyncIterator[None]:
        yield
        while not release.is_set():  # ignores cancellation, as a buggy worker loop would
            with contextlib.suppress(asyncio.CancelledError):
                await release.wait()

    async def bus(_app: web.Application) -> AsyncIterator[None]:
        yield
        closed.append("bus")

    app = web.Application()
    app.cleanup_ctx.extend(with_deadline(step, 0.2) for step in (database, stubborn, bus))
    app.freeze()
    await app.startup()
    with caplog.at_level(logging.ERROR, logger="orchestrator.lifecycle"):
        await asyncio.wait_for(app.cleanup(), 5)

    assert closed == ["bus", "database"]  # reverse order, past the stuck one
    [record] = caplog.records
    assert "shutdown step stubborn did not finish within 0 s" in record.getMessage()
    waits_at = record.getMessage().split("it waits at:")[1].split("pending tasks:")[0]
    assert "test_lifecycle.py" in waits_at and "in stubborn" in waits_at
    release.set()  # lets the left-behind step end with the test
    await asyncio.sleep(0)


async def test_a_failing_step_still_fails_the_cleanup() -> None:
    async def broken(_app: web.Application) -> AsyncIterator[None]:
        yield
        raise RuntimeError("the broker connection broke while closing")

    app = web.Application()
    app.cleanup_ctx.append(with_deadline(broken, 5))
    app.freeze()
    await app.startup()
    with pytest.raises(Exception, match="the broker connection broke"):
        await app.cleanup()


async def test_stopping_a_task_does_not_swallow_the_callers_cancellation() -> None:
    """A worker that stops a helper task while it is itself being cancelled must end."""
    helper_may_end = asyncio.Event()

    async def helper() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await helper_may_end.wait()  # a helper that takes a moment to wind down

    async def worker() -> None:
        while True:  # a consumer loop: stops its helper, then takes the next message
            await cancel_and_wait(asyncio.create_task(helper()))

    running = asyncio.create_task(worker())
    await asyncio.sleep(0.01)
    running.cancel()  # arrives while the worker waits for its helper
    await asyncio.sleep(0.01)
    helper_may_end.set()
    await asyncio.wait_for(asyncio.wait([running]), 5)
    assert running.cancelled()


async def test_cancel_and_wait_raises_what_the_task_failed_with() -> None:
    async def failing() -> None:
        raise ValueError("the forward could not be stopped")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="could not be stopped"):
        await cancel_and_wait(task, None)
