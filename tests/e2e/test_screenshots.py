"""Screenshots in a real call (two browsers, real orchestrator, Janus and coturn): the
employee takes one, both see it at once, both annotate it (pen, rectangle, text,
undo/redo, erase) and their canvases end up with the same pixels; a reload in the
middle gets the board back from the snapshot; after the call the original and the
rendered image are stored with the session, for both sides to see."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Contexts
from tests.e2e.pages import (
    connect_call,
    eventually,
    wait_for_remote_frames,
)

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

PIXELS = """() => {
  const canvas = document.querySelector('[data-testid="board-canvas"]');
  return canvas ? canvas.toDataURL('image/png') : null;
}"""

DIFFERENCE = """async (other) => {
  const mine = document.querySelector('[data-testid="board-canvas"]');
  const image = new Image();
  image.src = other;
  await image.decode();
  const copy = document.createElement('canvas');
  copy.width = mine.width;
  copy.height = mine.height;
  const context = copy.getContext('2d');
  context.drawImage(image, 0, 0);
  const x = context.getImageData(0, 0, copy.width, copy.height).data;
  const y = mine.getContext('2d').getImageData(0, 0, copy.width, copy.height).data;
  let n = 0, max = 0, first = -1;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (d) { n++; max = Math.max(max, d); if (first < 0) first = Math.floor(i / 4); }
  }
  return `${n} channel values differ by up to ${max}, first at pixel ${first} of ${copy.width}x${copy.height}`;
}"""


def pixels(page: Page) -> str:
    """A digest of the board canvas's pixels (PNG of the canvas)."""
    data = page.evaluate(PIXELS)
    return hashlib.sha256(str(data).encode()).hexdigest() if data else ""


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at ``start`` and move to ``end`` on the board (shares of the picture)."""
    box = page.get_by_test_id("board-canvas").bounding_box()
    assert box is not None

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    page.mouse.move(*at(start))
    page.mouse.down()
    page.mouse.move(*at(end), steps=8)
    page.mouse.up()


def tap(page: Page, point: tuple[float, float]) -> None:
    box = page.get_by_test_id("board-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"])


def difference(a: Page, b: Page) -> str:
    """Where two board canvases differ (for the failure message)."""
    return str(a.evaluate(DIFFERENCE, b.evaluate(PIXELS)))


def same_board(a: Page, b: Page, elements: int) -> str:
    """Both boards show ``elements`` elements with identical pixels; the digest."""
    for page in (a, b):
        expect(page.get_by_test_id("screenshot-board")).to_have_attribute(
            "data-elements", str(elements)
        )
    try:
        return str(eventually(lambda: pixels(a) == pixels(b) and pixels(a), "identical pixels"))
    except AssertionError as error:
        raise AssertionError(f"{error}: {difference(a, b)}") from None


def test_a_screenshot_is_annotated_from_both_ends_and_stored(contexts: Contexts) -> None:
    code_user, employee, session_id = connect_call(contexts)
    phone, desk = code_user.page, employee.page
    expect(desk.get_by_test_id("call-screen")).to_have_attribute("data-tools", "joined")
    expect(phone.get_by_test_id("take-screenshot")).to_be_hidden()  # employees take them

    desk.get_by_test_id("take-screenshot").click()
    for page in (phone, desk):
        expect(page.get_by_test_id("screenshot-board")).to_have_attribute("data-loaded", "true")
    size = desk.evaluate(
        "() => { const c = document.querySelector('[data-testid=\"board-canvas\"]');"
        " return [c.width, c.height]; }"
    )
    camera = phone.evaluate(
        "() => { const v = document.querySelector('[data-testid=\"local-video\"]');"
        " return [v.videoWidth, v.videoHeight]; }"
    )
    assert size == camera  # the camera's full resolution, not the received video's

    desk.get_by_test_id("tool-rect").click()
    drag(desk, (0.2, 0.2), (0.5, 0.6))
    drag(phone, (0.6, 0.3), (0.9, 0.7))  # the pen
    phone.get_by_test_id("tool-text").click()
    phone.get_by_test_id("board-text").fill("Ventil")
    tap(phone, (0.1, 0.8))
    with_three = same_board(phone, desk, 3)

    desk.get_by_test_id("board-undo").click()  # the employee's rectangle goes
    same_board(phone, desk, 2)
    desk.get_by_test_id("board-redo").click()
    assert same_board(phone, desk, 3) == with_three
    phone.get_by_test_id("tool-erase").click()
    tap(phone, (0.2, 0.4))  # on the rectangle's left edge
    before_reload = same_board(phone, desk, 2)

    # a reload mid-annotation: the phone rejoins and gets the board back
    phone.reload()
    wait_for_remote_frames(phone)
    expect(phone.get_by_test_id("screenshot-board")).to_have_attribute("data-loaded", "true")
    assert same_board(phone, desk, 2) == before_reload

    phone.get_by_test_id("board-close").click()
    phone.get_by_test_id("hangup").click()
    expect(desk.get_by_test_id("call-screen")).to_have_count(0)

    def stored() -> list[dict[str, object]]:
        artifacts = employee.api_session(session_id)["artifacts"]
        shots = [a for a in artifacts if a["kind"] == "screenshot" and a["state"] == "stored"]
        return shots if len(shots) == 2 else []

    shots = eventually(stored, "two stored screenshot artifacts")
    assert sorted(str(a["content_type"]) for a in shots) == ["image/jpeg", "image/png"]
    for artifact in shots:
        response = desk.context.request.get(
            f"/api/sessions/{session_id}/artifacts/{artifact['id']}/content"
        )
        assert response.ok and len(response.body()) == artifact["size_bytes"]
    # the code user sees them in the own session too
    own = phone.context.request.get(
        "/api/code-user/sessions", headers={"Authorization": f"Bearer {code_user.token()}"}
    )
    assert own.ok
    [mine] = [s for s in own.json() if s["id"] == session_id]
    assert sorted(a["id"] for a in mine["artifacts"] if a["kind"] == "screenshot") == sorted(
        a["id"] for a in shots
    )
