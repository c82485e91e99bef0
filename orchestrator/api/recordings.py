"""Recording endpoints: start/stop (employee), consent (code user), playback, failed uploads.

Playback goes through the orchestrator for both sides, authorized like the session
itself: local files are served by aiohttp's ``FileResponse`` (HTTP range requests,
so players can seek); S3 objects answer with a redirect to a short-lived pre-signed
URL (S3 serves the ranges). Strangers get 404, as for the session.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from orchestrator.actions.artifacts import (
    do_retry_upload,
    failed_uploads,
    load_artifact_for,
)
from orchestrator.actions.recordings import do_give_consent, do_start_recording, do_stop_recording
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import ArtifactOut, Out, RecordingOut
from orchestrator.db.models import Artifact
from orchestrator.domain.errors import NotFound
from orchestrator.domain.types import ArtifactState
from recorder.storage import Storage

api = Api()
TAG = "recordings"
STORAGE_KEY = web.AppKey("storage", Storage)
EMPLOYEE_SESSION = "/api/sessions/{session_id:\\d+}"
CODE_USER_SESSION = "/api/code-user/sessions/{session_id:\\d+}"


class RecordingStateOut(Out):
    """The answer to start/stop: the recording as it is now."""

    recording: RecordingOut | None
    stopped_at: datetime | None = None


class ConsentOut(Out):
    recording_consent: bool
    recording_consent_at: datetime | None


class FailedUploadOut(ArtifactOut):
    session_id: int
    last_error: str


@api.route(
    "POST",
    EMPLOYEE_SESSION + "/recording/start",
    summary="Start recording the running call (organisation allows it, code user consented)",
    tag=TAG,
    response=RecordingStateOut,
    status=201,
)
async def start(call: Call[Empty, Empty]) -> RecordingStateOut:
    async with call.uow.transaction() as db:
        recording = await do_start_recording(db, call.employee, call.path_id("session_id"))
        return RecordingStateOut(recording=RecordingOut.model_validate(recording))


@api.route(
    "POST",
    EMPLOYEE_SESSION + "/recording/stop",
    summary="Stop recording; the file is finalized and uploaded after",
    tag=TAG,
    response=RecordingStateOut,
)
async def stop(call: Call[Empty, Empty]) -> RecordingStateOut:
    async with call.uow.transaction() as db:
        recording = await do_stop_recording(db, call.employee, call.path_id("session_id"))
        assert recording is not None  # an employee stopping nothing gets 409
        return RecordingStateOut(recording=None, stopped_at=recording.stopped_at)


@api.route(
    "POST",
    CODE_USER_SESSION + "/recording-consent",
    summary="The code user consents to a recording (call screen); stored with its time",
    tag=TAG,
    auth="code_user",
    response=ConsentOut,
)
async def consent(call: Call[Empty, Empty]) -> ConsentOut:
    async with call.uow.transaction() as db:
        session = await do_give_consent(db, call.code_user, call.path_id("session_id"))
        return ConsentOut.model_validate(session)


async def _serve(call: Call[Empty, Empty], artifact: Artifact) -> web.StreamResponse:
    if artifact.state is not ArtifactState.STORED:
        raise NotFound(
            "the artifact is not stored yet",
            code="artifact_not_stored",
            data={"state": artifact.state.value},
        )
    storage = call.request.app[STORAGE_KEY]
    filename = artifact.storage_key.rsplit("/", 1)[-1]
    path = storage.local_path(artifact.storage_key)
    if path is not None:
        response = web.FileResponse(path, headers={"Content-Type": artifact.content_type})
        disposition = "attachment" if call.request.query.get("download") else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        response.headers["Cache-Control"] = "private, max-age=0"
        return response
    url = await storage.presigned_url(
        artifact.storage_key, call.settings.playback_url_seconds, filename
    )
    if url is None:
        raise NotFound("the artifact is missing from storage", code="artifact_missing")
    raise web.HTTPFound(url, headers={"Cache-Control": "no-store"})


@api.route(
    "GET",
    EMPLOYEE_SESSION + "/artifacts/{artifact_id:\\d+}/content",
    summary="Play or download an artifact (range requests; S3: redirect to a pre-signed URL)",
    tag=TAG,
)
async def employee_content(call: Call[Empty, Empty]) -> web.StreamResponse:
    async with call.uow.read() as db:
        artifact = await load_artifact_for(
            db, call.employee, call.path_id("session_id"), call.path_id("artifact_id")
        )
    return await _serve(call, artifact)


@api.route(
    "GET",
    CODE_USER_SESSION + "/artifacts/{artifact_id:\\d+}/content",
    summary="Play or download an artifact of your own session (code user)",
    tag=TAG,
    auth="code_user",
)
async def code_user_content(call: Call[Empty, Empty]) -> web.StreamResponse:
    async with call.uow.read() as db:
        artifact = await load_artifact_for(
            db, call.code_user, call.path_id("session_id"), call.path_id("artifact_id")
        )
    return await _serve(call, artifact)


@api.route(
    "GET",
    "/api/admin/uploads",
    summary="Failed uploads (their jobs are in the dead-letter queue; administrators)",
    tag=TAG,
    response=list[FailedUploadOut],
)
async def list_failed(call: Call[Empty, Empty]) -> list[FailedUploadOut]:
    async with call.uow.read() as db:
        return [FailedUploadOut.model_validate(a) for a in await failed_uploads(db, call.employee)]


@api.route(
    "POST",
    "/api/admin/uploads/{artifact_id:\\d+}/retry",
    summary="Send a failed upload again (administrators)",
    tag=TAG,
    response=ArtifactOut,
    status=202,
)
async def retry(call: Call[Empty, Empty]) -> ArtifactOut:
    async with call.uow.transaction() as db:
        artifact = await do_retry_upload(db, call.employee, call.path_id("artifact_id"))
        return ArtifactOut.model_validate(artifact)
