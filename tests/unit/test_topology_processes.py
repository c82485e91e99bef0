"""The supervisor's processes: start with a readiness check, kill, restart, stop."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from orchestrator.topology.processes import ManagedProcess, ProcessSpec, Supervisor

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


def says_up(managed: ManagedProcess) -> None:
    """Ready once the process wrote its first line (bounded)."""
    deadline = time.monotonic() + 20
    while "up" not in managed.log_tail():
        assert time.monotonic() < deadline, "the sleeper never said up"
        time.sleep(0.02)


def sleeper(name: str) -> ProcessSpec:
    return ProcessSpec(name, SLEEPER, ready=says_up)


def test_kill_restart_and_stop_all(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, {"PATH": "/usr/bin:/bin"})
    first = supervisor.start(sleeper("first"))
    second = supervisor.start(sleeper("second"))
    try:
        supervisor.kill("first")
        assert not first.running
        assert first.process.returncode == -9

        assert supervisor.restart_exited() == ["first"]
        assert supervisor["first"].running and supervisor["first"].restarts == 1
        assert supervisor["first"].pid != first.pid

        again = supervisor.restart("second")
        assert again.running and not second.running
    finally:
        supervisor.stop_all()
    assert not any(managed.running for managed in supervisor.processes.values())
    assert "up" in supervisor["first"].log_tail()


def test_a_process_that_is_not_ready_is_stopped_and_named_with_its_log(tmp_path: Path) -> None:
    def never_ready(managed: ManagedProcess) -> None:
        says_up(managed)
        raise TimeoutError("no answer")

    supervisor = Supervisor(tmp_path, {})
    with pytest.raises(RuntimeError, match=r"(?s)slow did not become ready: no answer.*up"):
        supervisor.start(ProcessSpec("slow", SLEEPER, ready=never_ready))
    assert not supervisor["slow"].running
