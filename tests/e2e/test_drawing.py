"""Live drawing in a real call (two browsers, real orchestrator, Janus and coturn): a
stroke drawn at a point of the code user's camera picture appears on the other
side at the same point of the picture (±1 % of its size), in the sender's colour,
while it is drawn, and fades away; with either side mirrored and with a phone and a
desktop (portrait and landscape) showing the picture at different sizes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import Contexts
from tests.e2e.pages import connect_call

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

TOLERANCE = 0.01  # of the picture's width and height

# Where a frame point is on screen: object-fit contain, centred, maybe mirrored.
# Written out here (not imported from the app) so the test checks the app's mapping.
FRAME_TO_CLIENT = """([fx, fy]) => {
  const video = document.querySelector('.stage-video');
  const box = video.getBoundingClientRect();
  const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
  const w = video.videoWidth * scale, h = video.videoHeight * scale;
  const mirrored = document.querySelector('[data-testid="call-screen"]').dataset.mirrored === 'true';
  const u = mirrored ? 1 - fx : fx;
  return [box.x + (box.width - w) / 2 + u * w, box.y + (box.height - h) / 2 + fy * h];
}"""

# The centre of the ink of one colour on the drawing canvas, in frame coordinates.
STROKES_STATE = """() => ({
  strokes: document.querySelector('[data-testid="draw-layer"]')?.dataset.strokes,
  tools: document.querySelector('[data-testid="call-screen"]')?.dataset.tools,
  toolError: document.querySelector('[data-testid="call-screen"]')?.dataset.toolError,
  phase: document.querySelector('[data-testid="call-screen"]')?.dataset.phase,
})"""

INK = """(colour) => {
  const canvas = document.querySelector('[data-testid="draw-layer"]');
  const { width, height } = canvas;
  const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  let n = 0, sx = 0, sy = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a < 200) continue;
    const red = r > 180 && g < 90 && b < 90;
    const blue = b > 180 && r < 90 && g < 160;
    if ((colour === 'red' && red) || (colour === 'blue' && blue)) {
      const p = i / 4; sx += p % width; sy += Math.floor(p / width); n += 1;
    }
  }
  if (n === 0) return null;
  const box = canvas.getBoundingClientRect();
  const ratio = width / box.width;
  const ex = sx / n / ratio, ey = sy / n / ratio;
  const video = document.querySelector('.stage-video');
  const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
  const w = video.videoWidth * scale, h = video.videoHeight * scale;
  let u = (ex - (box.width - w) / 2) / w;
  const v = (ey - (box.height - h) / 2) / h;
  if (document.querySelector('[data-testid="call-screen"]').dataset.mirrored === 'true') u = 1 - u;
  return { x: u, y: v, n };
}"""


def at(page: Page, point: tuple[float, float]) -> tuple[float, float]:
    x, y = page.evaluate(FRAME_TO_CLIENT, list(point))
    return float(x), float(y)


def ink(page: Page, colour: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate(INK, colour)
    return found


def dot(page: Page, point: tuple[float, float]) -> None:
    """Tap (touch screens) or click at a frame point: a one-point stroke."""
    x, y = at(page, point)
    if page.context.browser is not None and page.evaluate("navigator.maxTouchPoints > 0"):
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def assert_ink_at(page: Page, colour: str, point: tuple[float, float], sender: Page) -> None:
    """The other side shows ink of ``colour`` centred on ``point`` (±1 % of the picture)."""
    found = ink_appearing(page, colour, sender)
    assert abs(found["x"] - point[0]) <= TOLERANCE, (found, point)
    assert abs(found["y"] - point[1]) <= TOLERANCE, (found, point)


def ink_appearing(page: Page, colour: str, sender: Page) -> dict[str, Any]:
    """The ink as the poll that first saw it found it (a second look could come after the
    stroke has faded on a slow machine)."""
    try:
        handle = page.wait_for_function(INK, arg=colour, polling=50, timeout=10_000)
    except PlaywrightTimeoutError:
        # for a failure: did the stroke arrive (strokes shown) on a joined tool channel, and
        # did the sender draw it (its own strokes) on one?
        state, sent = page.evaluate(STROKES_STATE), sender.evaluate(STROKES_STATE)
        raise AssertionError(
            f"no {colour} ink within 10 s; this page: {state}; the sender's page: {sent}"
        ) from None
    found: dict[str, Any] = handle.json_value()
    return found


def faded(page: Page) -> None:
    """Every stroke has faded away: nothing left on the canvas."""
    expect(page.get_by_test_id("draw-layer")).to_have_attribute("data-strokes", "0", timeout=10_000)
    assert ink(page, "red") is None and ink(page, "blue") is None


def tools_joined(code_user: Page, employee: Page) -> None:
    expect(code_user.get_by_test_id("draw-layer")).to_have_attribute("data-role", "code_user")
    expect(employee.get_by_test_id("draw-layer")).to_have_attribute("data-role", "employee")


def test_strokes_land_on_the_same_spot_of_the_picture(contexts: Contexts) -> None:
    code_user, employee, _ = connect_call(contexts)
    phone, desk = code_user.page, employee.page
    tools_joined(phone, desk)
    # the code user's back camera is not mirrored; the employee's self view is
    expect(phone.get_by_test_id("call-screen")).to_have_attribute("data-mirrored", "false")

    dot(desk, (0.25, 0.35))
    assert_ink_at(phone, "red", (0.25, 0.35), desk)
    dot(phone, (0.7, 0.6))
    assert_ink_at(desk, "blue", (0.7, 0.6), phone)
    faded(phone)
    faded(desk)

    # a stroke streams while it is drawn: the phone shows it before the mouse lifts
    desk.mouse.move(*at(desk, (0.3, 0.5)))
    desk.mouse.down()
    desk.mouse.move(*at(desk, (0.5, 0.5)), steps=12)
    moving = ink_appearing(phone, "red", desk)
    assert abs(moving["y"] - 0.5) <= TOLERANCE
    desk.mouse.move(*at(desk, (0.7, 0.5)), steps=12)
    desk.mouse.up()
    expect(phone.get_by_test_id("draw-layer")).to_have_attribute("data-strokes", "1")
    faded(phone)


def test_mirrored_sides_and_a_turned_phone_still_agree(contexts: Contexts) -> None:
    code_user, employee, _ = connect_call(contexts)
    phone, desk = code_user.page, employee.page
    tools_joined(phone, desk)
    phone.get_by_test_id("toggle-mirror").click()
    expect(phone.get_by_test_id("call-screen")).to_have_attribute("data-mirrored", "true")

    dot(phone, (0.2, 0.3))
    assert_ink_at(desk, "blue", (0.2, 0.3), phone)
    dot(desk, (0.8, 0.7))
    assert_ink_at(phone, "red", (0.8, 0.7), desk)
    faded(phone)
    faded(desk)

    # landscape phone, mirrored desktop
    phone.set_viewport_size({"width": 844, "height": 390})
    desk.get_by_test_id("toggle-mirror").click()
    expect(desk.get_by_test_id("call-screen")).to_have_attribute("data-mirrored", "true")
    dot(desk, (0.15, 0.8))
    assert_ink_at(phone, "red", (0.15, 0.8), desk)
    dot(phone, (0.6, 0.25))
    assert_ink_at(desk, "blue", (0.6, 0.25), phone)
