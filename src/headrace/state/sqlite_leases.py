"""Shard leases in ``state.sqlite3``, blocking; :mod:`headrace.state.sqlite_state` runs them
off the event loop.

One row per resource, kept after release, so ``token`` (the fencing counter) only grows.
Every operation is one ``BEGIN IMMEDIATE`` transaction: of two processes or threads taking
the same free lease at once, the second sees the first's row and is refused. The time
``now`` comes from the caller (the injected clock), never from this module.
"""

from __future__ import annotations

import sqlite3

from headrace.errors import LeaseLost
from headrace.state.state_file import StateFile
from headrace.state.state_seam import Lease

_SELECT = "SELECT owner, token, expires_at FROM leases WHERE resource = ?"
_UPSERT = "INSERT OR REPLACE INTO leases (resource, owner, token, expires_at) VALUES (?, ?, ?, ?)"


class SqliteLeaseTable:
    """The ``leases`` table of one :class:`~headrace.state.state_file.StateFile`."""

    def __init__(self, db: StateFile) -> None:
        self._db = db

    def take(self, resource: str, owner: str, duration: float, now: float) -> Lease | None:
        """The lease if ``resource`` is free or expired at ``now``, else None."""
        with self._db.write() as conn:
            row = conn.execute(_SELECT, (resource,)).fetchone()
            if row is not None and row[0] is not None and row[2] > now:
                return None
            return _grant(conn, resource, owner, (row[1] if row else 0) + 1, now + duration)

    def steal(self, resource: str, owner: str, duration: float, now: float) -> Lease:
        """The lease, whoever held it."""
        with self._db.write() as conn:
            row = conn.execute(_SELECT, (resource,)).fetchone()
            return _grant(conn, resource, owner, (row[1] if row else 0) + 1, now + duration)

    def renew(self, lease: Lease, duration: float, now: float) -> Lease:
        """``lease`` until ``now + duration``; :class:`LeaseLost` if it is not current."""
        expires_at = now + duration
        with self._db.write() as conn:
            updated = conn.execute(
                "UPDATE leases SET expires_at = ? WHERE resource = ? AND owner = ? AND token = ?",
                (expires_at, lease.resource, lease.owner, lease.token),
            ).rowcount
        if not updated:
            raise LeaseLost(lease.resource, owner=lease.owner, token=lease.token)
        return Lease(lease.resource, lease.owner, lease.token, expires_at)

    def release(self, lease: Lease) -> bool:
        """Free the resource if ``lease`` is current (its token stays for the next taker)."""
        with self._db.write() as conn:
            return bool(
                conn.execute(
                    "UPDATE leases SET owner = NULL, expires_at = 0 "
                    "WHERE resource = ? AND owner = ? AND token = ?",
                    (lease.resource, lease.owner, lease.token),
                ).rowcount
            )

    def holder(self, resource: str, now: float) -> Lease | None:
        """The live lease on ``resource`` at ``now``, if any."""
        with self._db.read() as conn:
            row = conn.execute(_SELECT, (resource,)).fetchone()
        if row is None or row[0] is None or row[2] <= now:
            return None
        return Lease(resource, row[0], row[1], row[2])


def check_lease(conn: sqlite3.Connection, lease: Lease) -> None:
    """Inside a write: raise :class:`LeaseLost` unless ``lease`` is the current one, so the
    write's transaction rolls back whole."""
    row = conn.execute(_SELECT, (lease.resource,)).fetchone()
    if row is None or (row[0], row[1]) != (lease.owner, lease.token):
        raise LeaseLost(lease.resource, owner=lease.owner, token=lease.token)


def _grant(
    conn: sqlite3.Connection, resource: str, owner: str, token: int, expires_at: float
) -> Lease:
    conn.execute(_UPSERT, (resource, owner, token, expires_at))
    return Lease(resource, owner, token, expires_at)
