"""Operators' choices about Janus nodes, shared by every orchestrator through the database.

``fernblick janus-drain`` calls :func:`do_set_draining`; each orchestrator's pool
reads :func:`draining_nodes` in every health round, so a node stops getting new
rooms everywhere within ``FERNBLICK_JANUS_HEALTH_INTERVAL_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.clock import now
from orchestrator.db.models import JanusNodeState
from orchestrator.domain.errors import NotFound


async def do_set_draining(
    db: AsyncSession, name: str, draining: bool, *, known: Collection[str], reason: str = ""
) -> JanusNodeState:
    """Drain (or stop draining) the configured node ``name``."""
    if name not in known:
        raise NotFound(
            f"no Janus node {name!r} is configured (FERNBLICK_JANUS_NODES: {', '.join(known)})",
            field="name",
        )
    state = await db.get(JanusNodeState, name)
    if state is None:
        state = JanusNodeState(name=name)
        db.add(state)
    state.draining = draining
    state.reason = reason if draining else ""
    state.changed_at = now()
    return state


async def draining_nodes(db: AsyncSession) -> set[str]:
    """Names of the nodes an operator is draining."""
    return set(await db.scalars(select(JanusNodeState.name).where(JanusNodeState.draining)))


async def node_states(db: AsyncSession) -> dict[str, JanusNodeState]:
    return {state.name: state for state in await db.scalars(select(JanusNodeState))}
