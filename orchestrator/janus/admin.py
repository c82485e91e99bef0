"""The Janus admin API of one node: participant tokens, sessions, draining.

Only the orchestrator talks to it (``admin_secret``); Janus serves it on a
private address. Stored tokens (``token_auth = true``) are what browsers
authenticate with: :meth:`JanusAdmin.add_token` admits one participant to the
VideoRoom plugin only, :meth:`JanusAdmin.remove_token` shuts them out again.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from orchestrator.janus.client import JanusClient, JsonObject

VIDEOROOM_PLUGIN = "janus.plugin.videoroom"


class JanusAdmin:
    """Admin API requests, each a single synchronous transaction."""

    def __init__(
        self,
        admin_url: str,
        admin_secret: str,
        *,
        http: aiohttp.ClientSession,
        node_name: str = "janus",
        request_timeout: float = 10.0,
    ) -> None:
        self._client = JanusClient(
            admin_url, http=http, node_name=node_name, request_timeout=request_timeout
        )
        self._admin_secret = admin_secret

    async def request(self, janus: str, **fields: Any) -> JsonObject:
        """One admin request (``janus`` is its verb); the answer or a mapped error."""
        return await self._client.post(
            "", {"janus": janus, "admin_secret": self._admin_secret, **fields}
        )

    async def info(self) -> JsonObject:
        return await self._client.info()

    async def add_token(self, token: str, plugins: list[str] | None = None) -> list[str]:
        """Make ``token`` valid for the given plugins (VideoRoom by default)."""
        answer = await self.request("add_token", token=token, plugins=plugins or [VIDEOROOM_PLUGIN])
        allowed: list[str] = answer.get("data", {}).get("plugins", [])
        return allowed

    async def remove_token(self, token: str) -> None:
        """Invalidate ``token``: every later request carrying it gets error 403."""
        await self.request("remove_token", token=token)

    async def list_tokens(self) -> list[str]:
        answer = await self.request("list_tokens")
        return [entry["token"] for entry in answer.get("data", {}).get("tokens", [])]

    async def list_sessions(self) -> list[int]:
        """Ids of all Janus sessions on the node (browsers' and ours)."""
        answer = await self.request("list_sessions")
        return [int(session_id) for session_id in answer.get("sessions", [])]

    async def accept_new_sessions(self, accept: bool) -> None:
        """Stop (or resume) accepting new Janus sessions, e.g. while draining a node."""
        await self.request("accept_new_sessions", accept=accept)
