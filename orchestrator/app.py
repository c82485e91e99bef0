"""The orchestrator's aiohttp application: one factory, one cleanup context per resource.

State lives under typed ``web.AppKey``s; each external resource (database, bus,
fan-out, outbox relay, Janus pool) has a cleanup context, so it is closed exactly
when its start-up succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from importlib import metadata
from pathlib import Path

from aiohttp import web

from notifier.service import Notifier
from notifier.worker import NotifyConsumer
from orchestrator.actions.call_flow import CallFlow
from orchestrator.actions.call_records import open_calls_per_node
from orchestrator.actions.janus_nodes import draining_nodes
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.api import (
    admin,
    audit,
    auth,
    calls,
    code_users,
    devices,
    markers,
    notifications,
    recordings,
    screenshots,
    sessions,
    tickets,
)
from orchestrator.api.calls import CALL_FLOW_KEY
from orchestrator.api.keys import BUS_KEY, JANUS_POOL_KEY, SETTINGS_KEY, UOW_KEY
from orchestrator.api.openapi import DOCS_CSS, build_openapi, render_docs
from orchestrator.api.problems import problem_middleware
from orchestrator.api.recordings import STORAGE_KEY
from orchestrator.api.routing import Api
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.events.bus import create_bus
from orchestrator.events.relay import OutboxRelay
from orchestrator.janus.amqp_events import AmqpJanusEvents
from orchestrator.janus.call_sweeper import CallSweeper
from orchestrator.janus.events import INTAKE_KEY, JanusEventIntake, receive_events
from orchestrator.janus.pool import JanusPool
from orchestrator.janus.rooms import RoomService
from orchestrator.lifecycle import with_deadline
from orchestrator.observability.context import request_id_middleware
from orchestrator.observability.health import healthz, readyz
from orchestrator.observability.metrics import metrics
from orchestrator.realtime.call_channel import attach_tools, detach_tools
from orchestrator.realtime.fanout import (
    EVENTS_CHANNEL,
    NOTIFICATIONS_CHANNEL,
    Fanout,
    create_fanout,
)
from orchestrator.realtime.ws import LiveHub, require_actor
from orchestrator.security.headers import HEADERS_KEY, security_header_values, security_headers
from orchestrator.security.rate_limit import rate_limiter
from orchestrator.settings import Settings
from recorder.bus_forwarding import ForwardService
from recorder.forwarding import DirectForwarding
from recorder.storage import create_storage
from recorder.uploads import UPLOAD_BINDINGS, UPLOAD_QUEUE, UploadWorker
from recorder.worker import START_BINDINGS, START_QUEUE, Recorder
from tracker.forwarding import DirectTrackerForwarding, TrackerForwardService
from tracker.worker import TrackerWorker

log = logging.getLogger(__name__)

FANOUT_KEY = web.AppKey("fanout", Fanout)
RELAY_KEY = web.AppKey("relay", OutboxRelay)
HUB_KEY = web.AppKey("hub", LiveHub)
OPENAPI_KEY = web.AppKey("openapi", dict)
RECORDER_KEY = web.AppKey("recorder", Recorder)
TRACKER_KEY = web.AppKey("tracker", TrackerWorker)

API_MODULES = (
    auth,
    audit,
    sessions,
    code_users,
    devices,
    tickets,
    admin,
    calls,
    notifications,
    recordings,
    markers,
    screenshots,
)


def all_routes() -> Api:
    combined = Api()
    for module in API_MODULES:
        combined.routes.extend(module.api.routes)
    return combined


def _version() -> str:
    try:
        return metadata.version("fernblick")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_id_middleware, security_headers, problem_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS_KEY] = settings
    app[HEADERS_KEY] = security_header_values(settings)
    routes = all_routes()
    app[OPENAPI_KEY] = build_openapi(routes.routes, title="Fernblick API", version=_version())
    routes.install(app)
    app.router.add_get("/api/openapi.json", openapi_json)
    app.router.add_get("/api/docs", openapi_docs)
    app.router.add_get("/api/docs.css", openapi_docs_css)
    app.router.add_get("/api/ws", websocket)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/janus/events", receive_events)
    app.cleanup_ctx.extend(
        with_deadline(step, settings.shutdown_step_seconds)
        for step in (
            database,
            rate_limiter,
            message_bus,
            fanout_and_hub,
            embedded_notifier,
            outbox_relay,
            janus_calls,
            recording,
            tracking,
        )
    )
    _add_web(app, settings.web_dist_dir)
    return app


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    app[UOW_KEY] = UnitOfWork(factory, on_commit=lambda: _wake_relay(app))
    yield
    await engine.dispose()


def _wake_relay(app: web.Application) -> None:
    relay = app.get(RELAY_KEY)
    if relay is not None:
        relay.wake()


async def message_bus(app: web.Application) -> AsyncIterator[None]:
    bus = create_bus(app[SETTINGS_KEY])
    await bus.connect()
    app[BUS_KEY] = bus
    yield
    await bus.close()


async def fanout_and_hub(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    fanout = create_fanout(settings)
    await fanout.start()
    hub = LiveHub(app[UOW_KEY], settings.ws_queue_size, settings.ws_heartbeat_seconds)
    subscription = await fanout.subscribe(EVENTS_CHANNEL, hub.on_message, hub.gap)
    notices = await fanout.subscribe(NOTIFICATIONS_CHANNEL, hub.notify)
    tools = await attach_tools(app, app[UOW_KEY], fanout, hub, settings)
    app[FANOUT_KEY] = fanout
    app[HUB_KEY] = hub
    yield
    await hub.close_all()
    await detach_tools(tools, fanout)
    await fanout.unsubscribe(notices)
    await fanout.unsubscribe(subscription)
    await fanout.close()


async def embedded_notifier(app: web.Application) -> AsyncIterator[None]:
    """The notifier inside this process, unless it runs on its own (``fernblick notifier``)."""
    settings = app[SETTINGS_KEY]
    if not settings.notifier_embedded:
        # Its queue must exist before the first request, or the broker drops the
        # events published while the notifier process has never run.
        await app[BUS_KEY].declare(NotifyConsumer.name, NotifyConsumer.binding_keys)
        yield
        return
    service = Notifier(
        settings,
        app[UOW_KEY].session_factory,
        app[FANOUT_KEY],
        is_online=app[HUB_KEY].has_employee,
    )
    await service.start(app[BUS_KEY])
    yield
    await service.stop()


async def outbox_relay(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    relay = OutboxRelay(
        app[UOW_KEY].session_factory,
        app[BUS_KEY],
        app[FANOUT_KEY],
        poll_seconds=settings.outbox_poll_seconds,
    )
    await relay.start()
    app[RELAY_KEY] = relay
    yield
    await relay.stop()


async def janus_calls(app: web.Application) -> AsyncIterator[None]:
    """The Janus pool, the call flow, the Janus event intake(s) and the call sweeper.

    The pool starts even when no node answers (the nodes are marked unhealthy and
    calls answer 503), so the rest of the API works without Janus.
    """
    settings = app[SETTINGS_KEY]
    uow = app[UOW_KEY]

    async def drained() -> set[str]:
        async with uow.read() as db:
            return await draining_nodes(db)

    async def open_calls() -> dict[str, int]:
        async with uow.read() as db:
            return await open_calls_per_node(db)

    async with JanusPool.running(settings, drained, open_calls) as pool:
        rooms = RoomService(pool, settings)
        app[JANUS_POOL_KEY] = pool
        app[CALL_FLOW_KEY] = CallFlow(uow, rooms, ring_seconds=settings.call_ring_seconds)
        app[INTAKE_KEY] = JanusEventIntake(uow, settings)
        sweeper = CallSweeper(uow, pool, rooms, settings)
        sweeper.start()
        from_amqp = None
        if settings.janus_events_amqp_url:
            from_amqp = AmqpJanusEvents(
                settings.janus_events_amqp_url, settings.janus_events_exchange, app[INTAKE_KEY]
            )
            from_amqp.start()
        yield
        if from_amqp is not None:
            await from_amqp.stop()
        await sweeper.stop()


async def recording(app: web.Application) -> AsyncIterator[None]:
    """Storage for playback; the recorder and the upload worker in this process (decision
    0008), or, when they run on their own, the forwards they ask for (decision 0010)."""
    settings = app[SETTINGS_KEY]
    storage = create_storage(settings)
    app[STORAGE_KEY] = storage
    forwarding = DirectForwarding(app[UOW_KEY], app[JANUS_POOL_KEY])
    if not settings.recorder_embedded:
        service = ForwardService(app[UOW_KEY], forwarding, settings.instance_name)
        await service.attach(app[BUS_KEY])
        # The recorders' queues must exist before the first recording, or the broker
        # drops what is published while no recorder process has ever run.
        await app[BUS_KEY].declare(START_QUEUE, START_BINDINGS)
        await app[BUS_KEY].declare(UPLOAD_QUEUE, UPLOAD_BINDINGS)
        yield
        await service.close()
        return
    recorder = Recorder(app[UOW_KEY], forwarding, settings)
    app[RECORDER_KEY] = recorder
    await recorder.attach(app[BUS_KEY])
    await UploadWorker(app[UOW_KEY], storage, settings).attach(app[BUS_KEY])
    yield
    await recorder.close()


async def tracking(app: web.Application) -> AsyncIterator[None]:
    """The tracker worker in this process, unless it runs on its own (``fernblick tracker``);
    then this process forwards the code user's video for it (``tracker/forwarding.py``)."""
    settings = app[SETTINGS_KEY]
    forwarding = DirectTrackerForwarding(app[UOW_KEY], app[JANUS_POOL_KEY])
    if not settings.tracker_embedded:
        service = TrackerForwardService(
            forwarding, settings.instance_name, settings.tracker_lease_seconds
        )
        await service.attach(app[BUS_KEY])
        await app[BUS_KEY].declare(TrackerWorker.queue, TrackerWorker.binding_keys)
        yield
        await service.close()
        return
    worker = TrackerWorker(forwarding, app[FANOUT_KEY], settings)
    app[TRACKER_KEY] = worker
    await worker.attach(app[BUS_KEY])
    yield
    await worker.close()


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_KEY])


async def openapi_docs(request: web.Request) -> web.Response:
    return web.Response(text=render_docs(request.app[OPENAPI_KEY]), content_type="text/html")


async def openapi_docs_css(_request: web.Request) -> web.Response:
    return web.Response(text=DOCS_CSS, content_type="text/css")


async def websocket(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    return await request.app[HUB_KEY].serve(request, actor)


LANDING = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Fernblick</title></head>
<body>
<h1>Fernblick</h1><p>Der Server läuft. / The server is running.</p>
<p><a href="/api/docs">API-Dokumentation / API documentation</a></p></body></html>"""


def _add_web(app: web.Application, dist: Path) -> None:
    """Serve the built web app (``web/dist``) with its client-side routes."""
    index = dist / "index.html"

    async def spa(_request: web.Request) -> web.StreamResponse:
        if index.is_file():
            return web.FileResponse(index)
        return web.Response(text=LANDING, content_type="text/html")

    for path in ("/", "/d/{code}", "/i/{token}", "/app", "/app/{tail:.*}", "/m", "/m/{tail:.*}"):
        app.router.add_get(path, spa)
    assets = dist / "assets"
    if assets.is_dir():
        app.router.add_static("/assets", assets)
    worker = dist / "sw.js"

    async def service_worker(_request: web.Request) -> web.StreamResponse:
        # At the root, so that its scope is the whole app; always revalidated, so that
        # a new version reaches browsers (web/public/sw.js: Web Push).
        if not worker.is_file():
            raise web.HTTPNotFound()
        response = web.FileResponse(worker, headers={"Cache-Control": "no-cache"})
        response.content_type = "text/javascript"
        return response

    app.router.add_get("/sw.js", service_worker)
