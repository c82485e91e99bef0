"""A real S3-compatible server for tests: moto's, on loopback, started and stopped at will.

``S3Server.start()`` / ``stop()`` let a test take the store away and bring it back
(moto keeps its data in memory, so a restart is an empty store; ``start`` creates
the bucket again).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.ports import free_port

MOTO = Path(sys.executable).with_name("moto_server")
ACCESS = {"aws_access_key_id": "test", "aws_secret_access_key": "test-secret"}


@dataclass
class S3Server:
    port: int = field(default_factory=free_port)
    bucket: str = "fernblick-test"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1", **ACCESS)

    def start(self, within_seconds: float = 20.0) -> None:
        self.process = subprocess.Popen(
            [str(MOTO), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + within_seconds
        while True:
            try:
                self.client().create_bucket(Bucket=self.bucket)
                return
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def settings_update(self) -> dict[str, Any]:
        """What ``Settings.model_copy(update=...)`` needs to store artifacts here."""
        from pydantic import SecretStr

        return {
            "storage_backend": "s3",
            "s3_endpoint_url": self.url,
            "s3_bucket": self.bucket,
            "s3_access_key_id": ACCESS["aws_access_key_id"],
            "s3_secret_access_key": SecretStr(ACCESS["aws_secret_access_key"]),
            "storage_timeout_seconds": 2.0,
        }


@pytest.fixture(name="s3_server")
def s3_server_fixture() -> Iterator[S3Server]:
    """A moto S3 server on a free loopback port, not yet started."""
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()
