"""Where artifacts end up: a local directory (default) or any S3-compatible store.

Both implement :class:`Storage`; ``create_storage`` picks one from the settings. The
upload worker only calls ``put``; playback asks ``local_path`` (served with HTTP range
requests by aiohttp) or ``presigned_url`` (the browser fetches from S3 directly).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from orchestrator.settings import Settings


class StorageError(Exception):
    """The store refused or could not be reached; the upload job retries."""


class Storage(Protocol):
    async def put(self, key: str, source: Path, content_type: str) -> None:
        """Store ``source`` under ``key``, replacing any earlier object (idempotent)."""

    async def size(self, key: str) -> int | None:
        """The stored object's size, or None when there is none."""

    def local_path(self, key: str) -> Path | None:
        """A file to serve directly, for stores on this machine; else None."""

    async def presigned_url(self, key: str, expires_seconds: int, filename: str) -> str | None:
        """A short-lived URL to fetch the object from, for remote stores; else None."""


def create_storage(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        from recorder.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from recorder.storage.local import LocalStorage

    return LocalStorage(settings.storage_dir / "objects")


def sha256_of(path: Path) -> str:
    """The artifact checksum as stored (``sha256:<hex>``); blocking, run it in a thread."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"
