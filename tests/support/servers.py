"""Real orchestrator processes (``fernblick serve``) for multi-process tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from orchestrator.settings import Settings

ROOT = Path(__file__).parents[2]


@contextmanager
def fernblick_process(
    args: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``fernblick <args>`` with ``env`` added; yield the process; stop it afterwards
    (SIGTERM, then SIGKILL), unless the test killed it already."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestrator.cli", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def orchestrator_process(port: int, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Start ``fernblick serve`` on ``port``; yield its base URL; stop it afterwards."""
    served = {**env, "FERNBLICK_PORT": str(port), "FERNBLICK_HOST": "127.0.0.1"}
    with fernblick_process(["serve", "--no-migrate"], served, log_path):
        yield f"http://127.0.0.1:{port}"


def settings_env(settings: Settings, *names: str) -> dict[str, str]:
    """The ``FERNBLICK_*`` variables that give another process these settings' ``names``."""
    env = {}
    for name in names:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"FERNBLICK_{name.upper()}"] = text
    return env


async def wait_until_healthy(base_url: str, within_seconds: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_seconds
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{base_url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{base_url} did not become healthy")
            await asyncio.sleep(0.2)
