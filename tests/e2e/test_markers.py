"""Tracking markers in a real call: Chromium films the benchmark's textured plane.

The code user's camera is a ``.y4m`` made with the benchmark's generator (exact ground
truth per frame, the frame's index in a code strip: ``tests/support/tracking_clip.py``).
The employee places a marker by clicking on the picture, then a second one exactly on a
corner of the frame being shown; the tracker worker follows both. On the employee's
side, every shown frame is checked: the marker drawn over it must be within 8 px of
where that corner really is in that frame, over at least 100 frames of motion. The code
user's side (drawn as soon as positions arrive, on its own preview) is measured and
reported with its lag. Either side removes a marker. Frames on which the employee's
markers wait (the worker has said nothing about the half second before them) claim no
position and are left out, up to a fifth of the frames.
"""

from __future__ import annotations

import collections
import itertools
import re
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Contexts, Stack
from tests.e2e.pages import connect_call
from tests.support.tracking_clip import TrackingClip, hide_point, make_clip

pytestmark = [pytest.mark.e2e, pytest.mark.janus, pytest.mark.solo]

MAX_ERROR_PX = 8.0
MAX_WAITING = 0.2
"""Share of the employee's frames on which the markers may wait (drawn stale: the worker
has said nothing about the half second before the frame, e.g. after the camera stalled)."""
FRAMES = 100
HIDDEN = range(60, 90)
"""Frames of the sequence in which a disc covers the corner (hidden-marker test)."""
PASS_FRAMES = 330
"""Shown frames recorded in the hidden-marker test: more than one pass of the looped clip."""

# Records, for each frame the stage video shows, the sequence frame index (code strip)
# and where marker `number` is drawn then (frame coordinates), until `count` frames.
RECORD = """([number, count]) => {
  const frameIndex = FRAME_INDEX;
  const video = document.querySelector('.stage-video');
  const layer = document.querySelector('[data-testid="markers-layer"]');
  const clock = () => performance.timeOrigin + performance.now();
  window.__track = [];
  window.__drawn = [];
  const observer = new MutationObserver(() => {
    window.__drawn.push({ rtp: Number(layer.dataset.rtpTimestamp), at: clock() });
  });
  observer.observe(layer, { attributes: true, attributeFilter: ['data-rtp-timestamp'] });
  const step = () => {
    const k = frameIndex(video);
    const marker = document.querySelector(`[data-testid="marker"][data-number="${number}"]`);
    if (k >= 0 && marker) {
      window.__track.push({ k, x: Number(marker.dataset.x), y: Number(marker.dataset.y),
                            lost: marker.dataset.lost === 'true', at: clock(),
                            stale: layer.dataset.stale === 'true',
                            how: layer.dataset.drawnAs || null,
                            delay: Number(layer.dataset.videoDelay || 0),
                            frameRtp: layer.dataset.frameRtpTimestamp || null,
                            drawnRtp: layer.dataset.sourceRtpTimestamp || null });
    }
    if (window.__track.length < count) video.requestVideoFrameCallback(step);
    else observer.disconnect();
  };
  video.requestVideoFrameCallback(step);
}"""

# On the next shown frame where the corner is in sight, click (as the employee would) on
# its true position in that very frame: the markers layer stamps the click with that
# frame's timestamp.
PLACE_ON_CORNER = """([corner, inSight]) => new Promise((resolve) => {
  const frameIndex = FRAME_INDEX;
  const video = document.querySelector('.stage-video');
  const layer = document.querySelector('[data-testid="markers-layer"]');
  document.querySelector('[data-testid="toggle-markers"]').click();
  const place = () => {
    const k = frameIndex(video);
    if (k < 0 || !inSight[k]) { video.requestVideoFrameCallback(place); return; }
    const [px, py] = corner[k];
    const fx = (px + 0.5) / video.videoWidth, fy = (py + 0.5) / video.videoHeight;
    const box = video.getBoundingClientRect();
    const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
    const w = video.videoWidth * scale, h = video.videoHeight * scale;
    const x = box.x + (box.width - w) / 2 + fx * w, y = box.y + (box.height - h) / 2 + fy * h;
    layer.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
    resolve(k);
  };
  video.requestVideoFrameCallback(place);
})"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> TrackingClip:
    return make_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture(scope="module")
def hidden_clip(clip: TrackingClip, tmp_path_factory: pytest.TempPathFactory) -> TrackingClip:
    """The clip with the steady corner covered by a flat disc in frames HIDDEN."""
    return hide_point(clip, clip.steady_corner(), HIDDEN, tmp_path_factory.mktemp("hidden"))


@contextmanager
def chromium_filming(playwright: Playwright, clip: TrackingClip) -> Iterator[Browser]:
    """A Chromium whose fake camera plays the clip."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={clip.path}"],
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def camera_browser(playwright: Playwright, clip: TrackingClip) -> Iterator[Browser]:
    with chromium_filming(playwright, clip) as browser:
        yield browser


@pytest.fixture
def hidden_camera_browser(playwright: Playwright, hidden_clip: TrackingClip) -> Iterator[Browser]:
    with chromium_filming(playwright, hidden_clip) as browser:
        yield browser


def start_recording(page: Page, clip: TrackingClip, number: int, count: int) -> None:
    page.evaluate(RECORD.replace("FRAME_INDEX", clip.index_js()), [number, count])


def recorded(page: Page, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(per shown frame: sequence index, marker, time; per drawn message: its timestamp, time)."""
    page.wait_for_function(
        "(n) => window.__track.length >= n", arg=count, polling=200, timeout=60_000
    )
    track: list[dict[str, Any]] = page.evaluate("window.__track")
    drawn: list[dict[str, Any]] = page.evaluate("window.__drawn")
    return track, drawn


def lags_ms(
    employee: list[dict[str, Any]], phone: list[dict[str, Any]], drawn: list[dict[str, Any]]
) -> list[float]:
    """For each message the code user drew: the draw's time minus the preview's showing of
    that frame (negative: the positions arrived before the preview showed their frame).

    The employee's page names the sequence frame of each worker timestamp (its clock is
    in step); the code user's preview says when it showed that frame. The clip plays
    forwards and back, so a frame shows twice per loop, close together near the turns:
    a frame is named with the way the clip was playing (from the frames around it on
    each page), and of its showings that way the one nearest the draw is taken. Frames
    at a turn, and messages drawn outside the preview's recording, are left out.
    """
    frame_of = {
        int(s["frameRtp"]): (s["k"], way)
        for s, way in zip(employee, playing_ways(employee), strict=True)
        if s["frameRtp"] and way
    }
    shown: dict[tuple[int, int], list[float]] = {}
    for sample, way in zip(phone, playing_ways(phone), strict=True):
        if way:
            shown.setdefault((sample["k"], way), []).append(sample["at"])
    first, last = phone[0]["at"], phone[-1]["at"]
    lags = []
    for message in drawn:
        times = shown.get(frame_of.get(message["rtp"], (-1, 0)))
        if times and first <= message["at"] <= last:
            lags.append(message["at"] - min(times, key=lambda at: abs(message["at"] - at)))
    return lags


def playing_ways(track: list[dict[str, Any]]) -> list[int]:
    """Per recorded frame: 1 while the clip played forwards, -1 backwards, 0 at a turn or
    an end of the recording (the frames before and after it do not agree)."""
    ks = [sample["k"] for sample in track]
    ways = [0] * len(ks)
    for i in range(1, len(ks) - 1):
        before, after = ks[i] - ks[i - 1], ks[i + 1] - ks[i]
        if before * after > 0:
            ways[i] = 1 if after > 0 else -1
    return ways


def drawn_on_their_frames(track: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The employee's frames whose markers claim a position (not drawn as waiting).

    Waiting frames are printed and may be at most MAX_WAITING of all. Printed too: how
    the other frames were drawn (with their own positions, between their neighbours',
    or extrapolated ahead) and how long the player held the video meanwhile.
    """
    fresh = [sample for sample in track if not sample["stale"]]
    waiting = len(track) - len(fresh)
    drawn_as = collections.Counter(sample["how"] for sample in fresh)
    delays = sorted(sample["delay"] for sample in fresh) or [0]
    print(
        f"\nemployee: markers waiting (stale) on {waiting} of {len(track)} frames; drawn "
        f"with their own positions on {drawn_as['own']}, between their neighbours' on "
        f"{drawn_as['between']}, extrapolated on {drawn_as['ahead']}; video held "
        f"{delays[0]:.0f} to {delays[-1]:.0f} ms (median {statistics.median(delays):.0f})"
    )
    assert waiting <= MAX_WAITING * len(track)
    return fresh


def errors(track: list[dict[str, Any]], clip: TrackingClip, corner: int) -> list[float]:
    """Distance (frame pixels) between each drawn position and the corner's true one."""
    found = []
    for sample in track:
        true_x, true_y = clip.gt[sample["k"], corner]
        x = sample["x"] * clip.width - 0.5
        y = sample["y"] * clip.height - 0.5
        found.append(float(((x - true_x) ** 2 + (y - true_y) ** 2) ** 0.5))
    return found


def click_frame_point(page: Page, fx: float, fy: float) -> None:
    """Click (as the employee would) on frame point (fx, fy) of the stage video."""
    x, y = page.evaluate(
        """([fx, fy]) => {
          const video = document.querySelector('.stage-video');
          const box = video.getBoundingClientRect();
          const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
          const w = video.videoWidth * scale, h = video.videoHeight * scale;
          return [box.x + (box.width - w) / 2 + fx * w, box.y + (box.height - h) / 2 + fy * h];
        }""",
        [fx, fy],
    )
    page.mouse.click(x, y)


def mark_corner(desk: Page, phone: Page, clip: TrackingClip, corner: int, log: Path) -> None:
    """Marker 1 by a click, then marker 2 exactly on the corner, on a frame showing it;
    the worker (its log says) starts marker 2 on a frame that shows what the page saw."""
    logged = log.stat().st_size
    # A first marker by clicking: it starts the worker and both clocks get in step.
    desk.get_by_test_id("toggle-markers").click()
    box = desk.get_by_test_id("markers-layer").bounding_box()
    assert box is not None
    desk.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    for page in (desk, phone):
        expect(page.locator('[data-testid="marker"][data-number="1"]')).to_be_visible()
    expect(desk.get_by_test_id("markers-layer")).to_have_attribute(
        "data-synced", "true", timeout=20_000
    )
    desk.evaluate(
        PLACE_ON_CORNER.replace("FRAME_INDEX", clip.index_js()),
        [clip.gt[:, corner].tolist(), clip.visible[:, corner].tolist()],
    )
    for page in (desk, phone):  # the worker first catches up from the picked frame
        expect(page.locator('[data-testid="marker"][data-number="2"]')).to_be_visible(
            timeout=15_000
        )
    with log.open("rb") as lines:
        lines.seek(logged)
        starts = [line.decode(errors="replace") for line in lines if b" starts on frame " in line]
    print("\n" + "\n".join(starts))
    assert len(starts) == 2 and re.search(r"\((stamp|picture), likeness 0\.9", starts[1]), starts


def test_a_marker_stays_on_its_corner_while_the_camera_moves(
    request: pytest.FixtureRequest, stack: Stack, camera_browser: Browser, clip: TrackingClip
) -> None:
    contexts = Contexts(camera_browser, stack.base_url, request.node)
    try:
        code_user, employee, _ = connect_call(contexts)
        phone, desk = code_user.page, employee.page
        expect(desk.get_by_test_id("draw-layer")).to_have_attribute("data-role", "employee")
        expect(phone.get_by_test_id("draw-layer")).to_have_attribute("data-role", "code_user")
        assert phone.get_by_test_id("toggle-markers").count() == 0  # only employees place

        corner = clip.steady_corner()
        mark_corner(desk, phone, clip, corner, stack.log_path)
        start_recording(desk, clip, 2, FRAMES + 40)
        start_recording(phone, clip, 2, FRAMES + 40)
        employee_track, _ = recorded(desk, FRAMES + 40)
        phone_track, phone_drawn = recorded(phone, FRAMES + 40)

        employee_track = drawn_on_their_frames(employee_track)
        employee_errors = errors(employee_track, clip, corner)
        indices = [sample["k"] for sample in employee_track]
        moved = sum(a != b for a, b in itertools.pairwise(indices))
        path = clip.gt[indices, corner]
        print(
            f"\nemployee: {len(employee_errors)} frames ({moved} steps of motion, the corner "
            f"travels {float(abs(path - path[0]).max()):.1f} px), error median "
            f"{statistics.median(employee_errors):.2f} px, max {max(employee_errors):.2f} px"
        )
        worst = sorted(zip(employee_errors, employee_track, strict=True), key=lambda e: -e[0])
        print(  # for a failure: the worst frames, how they were drawn and from which message
            "  worst (px, k, how, frame, drawn):",
            [(round(e, 1), s["k"], s["how"], s["frameRtp"], s["drawnRtp"]) for e, s in worst[:6]],
        )
        assert moved >= FRAMES  # a new frame of the moving picture each time
        assert not any(sample["lost"] for sample in employee_track)
        assert max(employee_errors) <= MAX_ERROR_PX

        phone_errors = sorted(errors(phone_track, clip, corner))
        lags = sorted(lags_ms(employee_track, phone_track, phone_drawn))
        assert lags, "no message of a frame both pages showed"
        print(
            f"code user: {len(phone_errors)} frames, error median "
            f"{statistics.median(phone_errors):.2f} px, 95 % "
            f"{phone_errors[int(0.95 * len(phone_errors))]:.2f} px, max {phone_errors[-1]:.2f} px; "
            f"lag from the preview showing a frame to its positions drawn: median "
            f"{statistics.median(lags):.0f} ms, 5 % {lags[int(0.05 * len(lags))]:.0f} ms, "
            f"95 % {lags[int(0.95 * len(lags))]:.0f} ms, max {lags[-1]:.0f} ms, drawn before "
            f"the preview showed the frame {sum(lag < 0 for lag in lags)} of {len(lags)} "
            "messages"
        )

        # nine markers at most: the employee's toggle says so until one is removed
        toggle = desk.get_by_test_id("toggle-markers")
        for number in range(3, 10):
            toggle.click()
            click_frame_point(desk, 0.05 + 0.1 * number - 0.2, 0.7)
            expect(desk.locator(f'[data-testid="marker"][data-number="{number}"]')).to_be_visible()
        expect(toggle).to_be_disabled()
        expect(toggle).to_have_attribute("title", re.compile("9"))

        # either side removes: the code user the first marker, the employee the others
        phone.locator('[data-testid="marker"][data-number="1"]').click()
        for page in (desk, phone):
            expect(page.locator('[data-testid="marker"][data-number="1"]')).to_have_count(0)
        expect(toggle).to_be_enabled()
        for number in range(2, 10):
            desk.locator(f'[data-testid="marker"][data-number="{number}"]').click()
        for page in (desk, phone):
            expect(page.get_by_test_id("marker")).to_have_count(0)
    finally:
        contexts.close_all()


def test_the_clip_generator_writes_the_frames_it_promises(clip: TrackingClip) -> None:
    """The y4m holds the sequence forwards and back (no jump when Chromium loops it)."""
    frames = (clip.gt.shape[0] - 1) * 2
    size = clip.width * clip.height * 3 // 2
    with Path(clip.path).open("rb") as clip_file:
        header = clip_file.readline()
    assert header.startswith(b"YUV4MPEG2 W320 H240 F30:1")
    assert clip.path.stat().st_size == len(header) + frames * (len(b"FRAME\n") + size)


def test_a_hidden_marker_is_shown_lost_and_comes_back(
    request: pytest.FixtureRequest,
    stack: Stack,
    hidden_camera_browser: Browser,
    clip: TrackingClip,
    hidden_clip: TrackingClip,
) -> None:
    """A disc covers the marked corner for 30 frames of each pass: the employee's marker
    turns lost while it is hidden and stays so until the corner shows again; then it
    turns solid and stays on the corner. How many frames each turn took is printed
    (it depends on how far the worker is behind the picture)."""
    contexts = Contexts(hidden_camera_browser, stack.base_url, request.node)
    try:
        code_user, employee, _ = connect_call(contexts)
        desk, phone = employee.page, code_user.page
        corner = clip.steady_corner()
        mark_corner(desk, phone, hidden_clip, corner, stack.log_path)
        start_recording(desk, hidden_clip, 2, PASS_FRAMES)
        track, _ = recorded(desk, PASS_FRAMES)
        track = drawn_on_their_frames(track)
        runs = [
            (hidden, list(samples))
            for hidden, samples in itertools.groupby(track, key=lambda s: s["k"] in HIDDEN)
        ]
        assert len(runs) >= 4, "no whole hidden stretch and stretch in sight were recorded"
        for number, (hidden, samples) in enumerate(runs):
            flags = "".join("L" if s["lost"] else "." for s in samples)
            print(f"\n{'hidden' if hidden else 'in sight'} {len(samples)} frames: {flags}")
            # for a failure: each frame's worker timestamp against the drawn message's (a
            # stale message shows as one timestamp drawn on many frames), and the errors
            print("  k/frame/drawn:", [(s["k"], s["frameRtp"], s["drawnRtp"]) for s in samples])
            print("  errors px:", [round(e, 1) for e in errors(samples, hidden_clip, corner)])
            turned = next((i for i, s in enumerate(samples) if s["lost"] == hidden), None)
            if 0 < number < len(runs) - 1:  # the first and last may be cut off by the recording
                assert turned is not None, flags  # it says so before the stretch ends...
            if turned is None:
                continue
            assert all(s["lost"] == hidden for s in samples[turned:]), flags  # ...and stays so
            if not hidden:
                worst = max(errors(samples[turned:], hidden_clip, corner))
                print(f"solid after {turned} frames, then within {worst:.2f} px")
                assert worst <= MAX_ERROR_PX
    finally:
        contexts.close_all()
