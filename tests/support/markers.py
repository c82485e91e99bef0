"""Helpers for markers in a real call: the code user films a texture sliding at a known
speed (``tests/support/moving_texture.py``), so every reported position can be checked."""

from __future__ import annotations

from typing import Any

from tests.support.calls import CallEnv
from tests.support.moving_texture import TICKS_PER_FRAME, MovingTexture

WIDTH, HEIGHT, VELOCITY = 320, 240, (1, 1)


async def running_call(env: CallEnv) -> None:
    started = await env.employee("POST")
    assert started.status == 201, await started.text()
    accepted = await env.code_user("POST", "/accept")
    assert accepted.status == 200, await accepted.text()
    await env.join((await started.json())["ticket"])
    await env.join((await accepted.json())["ticket"], video=MovingTexture(WIDTH, HEIGHT, VELOCITY))
    await env.wait_for_status("RUNNING")


def pixel(marker: dict[str, Any]) -> tuple[float, float]:
    return marker["x"] * WIDTH - 0.5, marker["y"] * HEIGHT - 0.5


async def place(env: CallEnv, x: float, y: float) -> str:
    response = await env.client.post(
        f"/api/sessions/{env.session_id}/markers", json={"x": x, "y": y}, headers=env.csrf
    )
    assert response.status == 202, await response.text()
    marker_id: str = (await response.json())["marker_id"]
    return marker_id


BLINKS_ALLOWED = 2
"""Single frames a marker on the sliding texture may be reported lost: on a 320x240 video
the tracker's gate is a pixel, and a patch whose best match lies just beyond it is not
taken for a few frames while the prediction drifts (traced: one frame in 91, the marker
0.7 px from the truth there). A lost report must stay alone and its place right."""


def errors_along_path(messages: list[dict[str, Any]], marker_id: str) -> list[float]:
    """Distance of each reported position from where the texture moved the first one."""
    seen = [
        (m["rtp_timestamp"], marker)
        for m in messages
        for marker in m["markers"]
        if marker["id"] == marker_id
    ]
    (t0, first), rest = seen[0], seen[1:]
    x0, y0 = pixel(first)
    errors = []
    for timestamp, marker in rest:
        frames = round(((timestamp - t0) % 2**32) / TICKS_PER_FRAME)
        x, y = pixel(marker)
        expected = (x0 - frames * VELOCITY[0], y0 - frames * VELOCITY[1])
        errors.append(float(((x - expected[0]) ** 2 + (y - expected[1]) ** 2) ** 0.5))
    lost = [i for i, (_, marker) in enumerate(rest) if marker["lost"]]
    assert len(lost) <= BLINKS_ALLOWED, [rest[i] for i in lost]
    for i in lost:  # a blink, not a loss: the reports around it are solid
        around = [rest[j][1]["lost"] for j in (i - 1, i + 1) if 0 <= j < len(rest)]
        assert i > 0 and not any(around), rest[i]
    return errors
