"""Artifacts as files under one directory (the embedded default).

Writes go to a temporary name and are renamed into place, so a reader (playback)
never sees half a file and a retried upload simply replaces the first try.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path, PurePosixPath

from recorder.storage import StorageError


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        relative = PurePosixPath(key)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise StorageError(f"unsafe storage key {key!r}")
        return self.root.joinpath(*relative.parts)

    async def put(self, key: str, source: Path, content_type: str) -> None:
        target = self._path(key)
        try:
            await asyncio.to_thread(_copy_atomically, source, target)
        except OSError as exc:
            raise StorageError(f"local storage: {exc}") from exc

    async def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    async def presigned_url(self, key: str, expires_seconds: int, filename: str) -> str | None:
        return None


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
