"""Artifacts in any S3-compatible store (AWS, MinIO, Ceph, moto in the tests).

boto3 is synchronous; every call runs in a thread, bounded by botocore's connect and
read timeouts and a small retry budget, so a store that hangs fails the attempt and
the upload job's own retry (with backoff) takes over.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.settings import Settings
from recorder.storage import StorageError


class S3Storage:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
            config=Config(
                connect_timeout=settings.storage_timeout_seconds,
                read_timeout=settings.storage_timeout_seconds,
                retries={"max_attempts": 2, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        )
        return cls(client, settings.s3_bucket)

    async def put(self, key: str, source: Path, content_type: str) -> None:
        try:
            await asyncio.to_thread(
                self._client.upload_file,
                str(source),
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
            )
        except (BotoCoreError, ClientError, OSError) as exc:
            raise StorageError(f"s3: {exc}") from exc

    async def size(self, key: str) -> int | None:
        try:
            head = await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(f"s3: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"s3: {exc}") from exc
        return int(head["ContentLength"])

    def local_path(self, key: str) -> Path | None:
        return None

    async def presigned_url(self, key: str, expires_seconds: int, filename: str) -> str | None:
        """A GET URL valid for ``expires_seconds``; S3 serves range requests itself."""
        url: str = await asyncio.to_thread(
            self._client.generate_presigned_url,
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'inline; filename="{filename}"',
            },
            ExpiresIn=expires_seconds,
        )
        return url
