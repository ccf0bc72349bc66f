"""Shard leases on PostgreSQL, with a fencing counter (table ``leases``).

One row per resource, kept after release, so ``token`` only grows. Every operation is one
statement whose condition is checked on the row it locks, never read first and written
after: take and steal are one ``INSERT ... ON CONFLICT DO UPDATE`` (the conflicting row is
locked and the ``WHERE`` re-checked on its newest version, so of two processes taking a free
lease at once exactly one gets a row back); renew and release are ``UPDATE ... WHERE owner =
%s AND token = %s``. :func:`check_lease` is the fence of a checkpoint write: it locks the
lease row ``FOR SHARE`` in the write's own transaction, so a steal or release waits for the
write to commit, and a write carrying a superseded token stores nothing.

Expiry is judged by the injected clock (``now`` passed in), never the server's clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from headrace.clock import Clock
from headrace.errors import LeaseLost
from headrace.postgres.pg_database import PgDatabase
from headrace.state.state_seam import Lease

if TYPE_CHECKING:
    from headrace.postgres.pg_database import Connection

_GRANT = (
    "INSERT INTO leases AS l (resource, owner, token, expires_at) VALUES (%s, %s, 1, %s) "
    "ON CONFLICT (resource) DO UPDATE "
    "SET owner = EXCLUDED.owner, token = l.token + 1, expires_at = EXCLUDED.expires_at"
)
# take: only a free (released) or expired lease is granted.
_TAKE = _GRANT + " WHERE l.owner IS NULL OR l.expires_at <= %s RETURNING token"
_STEAL = _GRANT + " RETURNING token"
_RENEW = "UPDATE leases SET expires_at = %s WHERE resource = %s AND owner = %s AND token = %s"
_RELEASE = (
    "UPDATE leases SET owner = NULL, expires_at = 0 "
    "WHERE resource = %s AND owner = %s AND token = %s"
)
_HOLDER = (
    "SELECT owner, token, expires_at FROM leases "
    "WHERE resource = %s AND owner IS NOT NULL AND expires_at > %s"
)
_FENCE = "SELECT 1 FROM leases WHERE resource = %s AND owner = %s AND token = %s FOR SHARE"


class PgLeases:
    """:class:`~headrace.state.state_seam.LeaseStore` on PostgreSQL, timed by ``clock``."""

    def __init__(self, db: PgDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def take(self, resource: str, owner: str, duration: float) -> Lease | None:
        now = self._clock.time()
        expires_at = now + duration
        async with self._db.transaction() as conn:
            cursor = await conn.execute(_TAKE, (resource, owner, expires_at, now))
            row = await cursor.fetchone()
        return None if row is None else Lease(resource, owner, int(row[0]), expires_at)

    async def steal(self, resource: str, owner: str, duration: float) -> Lease:
        expires_at = self._clock.time() + duration
        async with self._db.transaction() as conn:
            cursor = await conn.execute(_STEAL, (resource, owner, expires_at))
            row = await cursor.fetchone()
        assert row is not None, "an upsert without WHERE always returns its row"
        return Lease(resource, owner, int(row[0]), expires_at)

    async def renew(self, lease: Lease, duration: float) -> Lease:
        expires_at = self._clock.time() + duration
        params = (expires_at, lease.resource, lease.owner, lease.token)
        async with self._db.transaction() as conn:
            updated = (await conn.execute(_RENEW, params)).rowcount
        if not updated:
            raise LeaseLost(lease.resource, owner=lease.owner, token=lease.token)
        return Lease(lease.resource, lease.owner, lease.token, expires_at)

    async def release(self, lease: Lease) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(_RELEASE, (lease.resource, lease.owner, lease.token))
        return bool(cursor.rowcount)

    async def holder(self, resource: str) -> Lease | None:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(_HOLDER, (resource, self._clock.time()))
            row = await cursor.fetchone()
        if row is None:
            return None
        owner, token, expires_at = row
        return Lease(resource, owner, token, expires_at)

    async def aclose(self) -> None:
        await self._db.aclose()


async def check_lease(conn: Connection, lease: Lease) -> None:
    """Inside a write's transaction: raise :class:`LeaseLost` unless ``lease`` is current,
    and hold its row ``FOR SHARE`` until the write commits (a steal waits for it)."""
    cursor = await conn.execute(_FENCE, (lease.resource, lease.owner, lease.token))
    if await cursor.fetchone() is None:
        raise LeaseLost(lease.resource, owner=lease.owner, token=lease.token)
