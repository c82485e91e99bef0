"""Screenshot endpoints of a running call: the code user's browser uploads the still
the employee asked for (``capture``), and both sides fetch it to annotate.

The upload is the raw image (``image/jpeg`` or ``image/png``, at most
``FERNBLICK_MAX_BODY_BYTES``); it waits in the upload spool until the call ends,
when it becomes a session artifact (``actions/screenshots.py``). Only the call's
participants may upload or fetch (``call_channel.tool_sender``).
"""

from __future__ import annotations

from aiohttp import web

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.screenshots import (
    CONTENT_TYPES,
    do_add_screenshot,
    load_open_screenshot,
    original_key,
    screenshot_key,
)
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import Out
from orchestrator.domain.errors import InvalidInput, NotFound, PayloadTooLarge
from orchestrator.realtime.board_render import image_size
from orchestrator.realtime.call_channel import TOOLS_KEY, tool_sender
from orchestrator.realtime.tool_messages import ScreenshotShown

api = Api()
TAG = "screenshots"
MAX_ID_LENGTH = 40
SHOT = "/call/screenshots/{screenshot_id:[A-Za-z0-9_-]+}"


def screenshot_id(call: Call[Empty, Empty]) -> str:
    """The path's screenshot id (browsers make them: 1 to 40 URL-safe characters)."""
    value = call.request.match_info["screenshot_id"]
    if len(value) > MAX_ID_LENGTH:
        raise NotFound(f"screenshot {value[:40]}… not found", code="no_such_screenshot")
    return value


class ScreenshotOut(Out):
    screenshot_id: str
    width: int
    height: int


@api.route(
    "PUT",
    "/api/code-user/sessions/{session_id:\\d+}" + SHOT,
    summary="Upload the still of your camera that the employee asked for (raw JPEG or PNG)",
    tag=TAG,
    auth="code_user",
    response=ScreenshotOut,
    status=201,
    rate_limited=False,
)
async def upload(call: Call[Empty, Empty]) -> ScreenshotOut:
    session_id = call.path_id("session_id")
    public_id = screenshot_id(call)
    content_type = call.request.content_type
    if content_type not in CONTENT_TYPES:
        raise InvalidInput("send image/jpeg or image/png", code="not_an_image")
    sender = await tool_sender(call.uow, call.code_user, session_id)
    try:
        data = await call.request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        limit = call.settings.max_body_bytes
        raise PayloadTooLarge(f"a screenshot may have at most {limit} bytes") from exc
    width, height = image_size(data)
    spool = call.settings.storage_dir / "spool"
    key = screenshot_key(session_id, public_id, "original", CONTENT_TYPES[content_type])
    async with call.uow.transaction() as db:
        await do_add_screenshot(
            db,
            session_id,
            sender,
            public_id=public_id,
            width=width,
            height=height,
            content_type=content_type,
        )
        (spool / key).parent.mkdir(parents=True, exist_ok=True)
        (spool / key).write_bytes(data)
    shown = ScreenshotShown(kind="screenshot", screenshot_id=public_id, width=width, height=height)
    await call.request.app[TOOLS_KEY].announce(session_id, sender, shown)
    return ScreenshotOut(screenshot_id=public_id, width=width, height=height)


async def _serve(
    call: Call[Empty, Empty], actor: EmployeeActor | CodeUserActor
) -> web.FileResponse:
    session_id = call.path_id("session_id")
    await tool_sender(call.uow, actor, session_id)
    async with call.uow.read() as db:
        shot = await load_open_screenshot(db, session_id, screenshot_id(call))
        path = call.settings.storage_dir / "spool" / original_key(shot)
        content_type = shot.content_type
    if not path.is_file():
        raise NotFound("the screenshot is missing", code="no_such_screenshot")
    return web.FileResponse(
        path, headers={"Content-Type": content_type, "Cache-Control": "private, max-age=3600"}
    )


@api.route(
    "GET",
    "/api/sessions/{session_id:\\d+}" + SHOT,
    summary="A screenshot of the running call, to annotate (participants only)",
    tag=TAG,
)
async def employee_image(call: Call[Empty, Empty]) -> web.FileResponse:
    return await _serve(call, call.employee)


@api.route(
    "GET",
    "/api/code-user/sessions/{session_id:\\d+}" + SHOT,
    summary="A screenshot of your running call, to annotate",
    tag=TAG,
    auth="code_user",
)
async def code_user_image(call: Call[Empty, Empty]) -> web.FileResponse:
    return await _serve(call, call.code_user)
