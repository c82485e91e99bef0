"""The service worker for Web Push is served at /sw.js (scope: the whole app), revalidated
on every load so that a new version reaches the browsers; absent from a build, 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator.app import create_app
from orchestrator.settings import Settings


async def test_the_service_worker_is_served_from_the_root(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "sw.js").write_text("self.addEventListener('push', () => {});\n")
    client = await aiohttp_client(create_app(settings.model_copy(update={"web_dist_dir": dist})))

    response = await client.get("/sw.js")
    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert await response.text() == (dist / "sw.js").read_text()

    (dist / "sw.js").unlink()
    assert (await client.get("/sw.js")).status == 404

