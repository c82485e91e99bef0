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

ROOT = Path(__file__).parents[2]


@contextmanager
def orchestrator_process(port: int, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Start ``fernblick serve`` on ``port``; yield its base URL; stop it afterwards."""
    full_env = {**os.environ, **env, "FERNBLICK_PORT": str(port), "FERNBLICK_HOST": "127.0.0.1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestrator.cli", "serve", "--no-migrate"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
