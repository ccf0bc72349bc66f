"""One handle on a PostgreSQL storage database: a psycopg 3 async connection pool.

psycopg and psycopg_pool are imported when a :class:`PgDatabase` first connects, never at
import time, so the base install (without the ``postgres`` extra) never needs them.

The pool opens on first use (:meth:`PgDatabase.transaction`), waits up to
``connect_timeout`` seconds for its first connection and migrates the state tables
(:func:`~headrace.postgres.pg_schema.migrate_state`) once; a database it cannot reach raises
:class:`~headrace.errors.BrokerError` naming ``storage``. Every store operation is one
:meth:`PgDatabase.transaction`: committed whole when the block ends, rolled back whole when
it raises.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from headrace.errors import BrokerError
from headrace.postgres.pg_schema import migrate_state

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg.rows import TupleRow
    from psycopg_pool import AsyncConnectionPool

    Connection = AsyncConnection[TupleRow]

# Seconds the first connection may take (design.md: `run` gives up after 30 s).
CONNECT_TIMEOUT_S = 30.0
# Connections one handle keeps at most: stores' calls are short transactions.
POOL_MAX_SIZE = 4


class PgDatabase:
    """A lazily opened pool on ``conninfo`` (a ``postgresql://`` URL or libpq key=values).

    Safe to share between the stores of one backend and between tasks of one event loop.
    :meth:`aclose` is idempotent: every store of a backend may call it.
    """

    def __init__(self, conninfo: str, *, connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
        self.conninfo = conninfo
        self._connect_timeout = connect_timeout
        self._pool: AsyncConnectionPool[Connection] | None = None
        self._opening = asyncio.Lock()
        self._closed = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A pooled connection inside one transaction (commit on exit, rollback on raise)."""
        pool = await self._ready()
        async with pool.connection() as conn, conn.transaction():
            yield conn

    async def ready(self) -> None:
        """Connect and migrate now (instead of at the first store call)."""
        await self._ready()

    async def aclose(self) -> None:
        """Close the pool (and its connections); later calls do nothing."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def _ready(self) -> AsyncConnectionPool[Connection]:
        if self._closed:
            raise BrokerError("the PostgreSQL storage handle is closed")
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                self._pool = await self._open()
            return self._pool

    async def _open(self) -> AsyncConnectionPool[Connection]:
        from psycopg_pool import AsyncConnectionPool, PoolTimeout

        pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
            self.conninfo, min_size=1, max_size=POOL_MAX_SIZE, open=False
        )
        try:
            await pool.open(wait=True, timeout=self._connect_timeout)
            async with pool.connection() as conn:
                await migrate_state(conn)
        except PoolTimeout as exc:
            await pool.close()
            raise BrokerError(
                f"storage: cannot reach the PostgreSQL database within "
                f"{self._connect_timeout:g} s ({_redacted(self.conninfo)})"
            ) from exc
        except BaseException:
            await pool.close()
            raise
        return pool


def _redacted(conninfo: str) -> str:
    """``conninfo`` without a password, for error messages."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(conninfo)
    except Exception:
        return "an invalid connection string"
    params.pop("password", None)
    return " ".join(f"{key}={value}" for key, value in sorted(params.items()))
