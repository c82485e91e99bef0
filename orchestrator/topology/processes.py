"""Named child processes with their own log files: start, kill, restart, stop.

The supervisor of the process topology (``topology.py``) keeps one of these per
process. Stopping is SIGTERM, then SIGKILL after a timeout; ``kill`` is the
abrupt SIGKILL a crash looks like, for the fault tests.
"""

from __future__ import annotations

import logging
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

ReadyCheck = Callable[["ManagedProcess"], None]
"""Blocks until the started process serves, or raises (e.g. ``wait_for_http``)."""


@dataclass
class ProcessSpec:
    """How to start one process: its command, extra environment and readiness check."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    ready: ReadyCheck | None = None


@dataclass
class ManagedProcess:
    """A started :class:`ProcessSpec`; ``process`` is replaced on each restart."""

    spec: ProcessSpec
    log_path: Path
    process: subprocess.Popen[bytes]
    restarts: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class Supervisor:
    """Starts processes in order and stops them in reverse order."""

    def __init__(self, log_dir: Path, base_env: Mapping[str, str]) -> None:
        self.log_dir = log_dir
        self.base_env = dict(base_env)
        self.processes: dict[str, ManagedProcess] = {}
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, spec: ProcessSpec) -> ManagedProcess:
        """Start ``spec`` and wait for its readiness check (stopping it if that fails)."""
        if spec.name in self.processes and self.processes[spec.name].running:
            raise RuntimeError(f"{spec.name} is already running")
        managed = ManagedProcess(spec, self.log_dir / f"{spec.name}.log", self._popen(spec))
        previous = self.processes.get(spec.name)
        if previous is not None:
            managed.restarts = previous.restarts + 1
        self.processes[spec.name] = managed
        self._wait_ready(managed)
        return managed

    def _popen(self, spec: ProcessSpec) -> subprocess.Popen[bytes]:
        with (self.log_dir / f"{spec.name}.log").open("ab") as log_file:
            return subprocess.Popen(
                list(spec.argv),
                cwd=spec.cwd,
                env={**self.base_env, **spec.env},
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    def _wait_ready(self, managed: ManagedProcess) -> None:
        if managed.spec.ready is None:
            return
        try:
            managed.spec.ready(managed)
        except BaseException as error:
            self._terminate(managed)
            raise RuntimeError(
                f"{managed.name} did not become ready: {error}\n{managed.log_tail()}"
            ) from error

    def __getitem__(self, name: str) -> ManagedProcess:
        return self.processes[name]

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would end it; waits until it is gone."""
        managed = self.processes[name]
        if managed.running:
            managed.process.send_signal(signal.SIGKILL)
            managed.process.wait(10)

    def restart(self, name: str) -> ManagedProcess:
        """Stop (if still running) and start again with the same spec."""
        managed = self.processes[name]
        self._terminate(managed)
        return self.start(managed.spec)

    def restart_exited(self) -> list[str]:
        """Start again every process that has exited; the names restarted."""
        exited = [name for name, managed in self.processes.items() if not managed.running]
        for name in exited:
            log.warning(
                "%s exited with %s; restarting", name, self.processes[name].process.returncode
            )
            try:
                self.start(self.processes[name].spec)
            except RuntimeError as error:
                log.error("%s", error)
        return exited

    def stop(self, name: str) -> None:
        self._terminate(self.processes[name])

    def stop_all(self) -> None:
        for managed in reversed(list(self.processes.values())):
            self._terminate(managed)

    @staticmethod
    def _terminate(managed: ManagedProcess, timeout: float = 15.0) -> None:
        process = managed.process
        if process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
