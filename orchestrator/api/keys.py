"""Typed application keys: the app's state, no module globals."""

from __future__ import annotations

from aiohttp import web

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.events.bus import MessageBus
from orchestrator.janus.pool import JanusPool
from orchestrator.settings import Settings

SETTINGS_KEY = web.AppKey("settings", Settings)
UOW_KEY = web.AppKey("unit_of_work", UnitOfWork)
BUS_KEY = web.AppKey("bus", MessageBus)
JANUS_POOL_KEY = web.AppKey("janus_pool", JanusPool)
