"""Typed application keys: the app's state, no module globals."""

from __future__ import annotations

from aiohttp import web

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.settings import Settings

SETTINGS_KEY = web.AppKey("settings", Settings)
UOW_KEY = web.AppKey("unit_of_work", UnitOfWork)
