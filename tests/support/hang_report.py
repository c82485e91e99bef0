"""A pytest plugin: a fixture teardown that hangs prints what its event loop waits for.

pytest-timeout fails a hung test after its limit but shows only the thread stacks, and
a hung ``async`` teardown always shows the same one (the loop idling in ``select``).
This plugin sends the process ``SIGUSR1`` when a teardown has run for
``HANG_REPORT_SECONDS``; the handler runs on the main thread, inside the loop the
teardown waits on, and prints every pending task's stack to stderr.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

import pytest

from orchestrator.lifecycle import pending_tasks_report

HANG_REPORT_SECONDS = float(os.environ.get("FERNBLICK_HANG_REPORT_SECONDS", "60"))


def _print_pending_tasks(_signum: int, _frame: FrameType | None) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        print("hang report: no event loop is running", file=sys.stderr)
        return
    print(f"hang report in {loop!r}:\n{pending_tasks_report()}", file=sys.stderr, flush=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    previous = signal.signal(signal.SIGUSR1, _print_pending_tasks)
    print_report = threading.Timer(HANG_REPORT_SECONDS, os.kill, args=(os.getpid(), signal.SIGUSR1))
    print_report.daemon = True
    print_report.start()
    try:
        yield
    finally:
        print_report.cancel()
        signal.signal(signal.SIGUSR1, previous)
