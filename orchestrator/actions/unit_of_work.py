"""One transaction per action, with database failures translated to our errors.

Handlers and workers run every action inside ``transaction()``; when it commits,
the outbox relay is woken so the events leave at once rather than at the next poll.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from orchestrator.actions.audit import write_pending
from orchestrator.domain.errors import Conflict, ServiceUnavailable, VersionConflict

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.session_factory = session_factory
        self.on_commit = on_commit

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Yield a session in a transaction; commit on success, roll back on any error.

        The request's pending audit entry, if any, commits with the first transaction.
        """
        async with self._translated() as db:
            yield db
            await write_pending(db)
        self.on_commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: the same error translation, no relay wake-up."""
        async with self._translated() as db:
            yield db

    @asynccontextmanager
    async def _translated(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self.session_factory.begin() as db:
                yield db
        except StaleDataError as exc:
            raise VersionConflict("the session was changed by someone else; reload it") from exc
        except IntegrityError as exc:
            log.info("integrity error: %s", exc.orig)
            raise Conflict("this conflicts with existing data") from exc
        except (OperationalError, InterfaceError, OSError) as exc:
            log.warning("database unavailable: %s", exc)
            raise ServiceUnavailable("the database is not reachable; try again shortly") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise ServiceUnavailable("the database connection was lost; try again") from exc
            raise
