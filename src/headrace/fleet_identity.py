"""Who a `headrace run` process is in a fleet, and how its leases are named.

Every process that shares PostgreSQL storage has one :class:`ProcessIdentity` for its
whole run. Its :attr:`~ProcessIdentity.owner` string is the ``owner`` of every lease the
process takes (shards, concurrency slots, its own membership), so ``status`` can tell
whose a lease is by parsing it back (:meth:`ProcessIdentity.parse`). Lease resources are
named by the functions below, one prefix per kind of lease, so a store can list the live
leases of one kind (``process/``, ``shard/``, ``slot/``).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass

# Lease resource prefixes: one kind of lease each.
PROCESS_PREFIX = "process/"
SHARD_PREFIX = "shard/"
SLOT_PREFIX = "slot/"


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """One run of one process: its host, pid, start time and a nonce (a pid reused on the
    same host after a restart is another identity)."""

    host: str
    pid: int
    started_at: float  # epoch seconds
    nonce: str

    @classmethod
    def current(cls, started_at: float | None = None) -> ProcessIdentity:
        """This process, started now (or at ``started_at``)."""
        started = time.time() if started_at is None else started_at
        return cls(socket.gethostname(), os.getpid(), started, uuid.uuid4().hex[:12])

    @property
    def owner(self) -> str:
        """The lease owner string: ``HOST|PID|STARTED_MS|NONCE`` (``|`` is kept out of the
        host name, so it parses back)."""
        host = self.host.replace("|", "_")
        return f"{host}|{self.pid}|{round(self.started_at * 1000)}|{self.nonce}"

    @classmethod
    def parse(cls, owner: str) -> ProcessIdentity | None:
        """The identity an :attr:`owner` string names; None if it is not one."""
        parts = owner.split("|")
        if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
            return None
        return cls(parts[0], int(parts[1]), int(parts[2]) / 1000, parts[3])


def process_resource(identity: ProcessIdentity) -> str:
    """The membership lease a live process renews: ``process/OWNER``."""
    return f"{PROCESS_PREFIX}{identity.owner}"


def shard_resource(mapping_uuid: str, shard_id: str) -> str:
    """The lease on one shard of one stream mapping: ``shard/UUID/SHARD_ID``."""
    return f"{SHARD_PREFIX}{mapping_uuid}/{shard_id}"


def parse_shard_resource(resource: str) -> tuple[str, str] | None:
    """``(mapping_uuid, shard_id)`` of a :func:`shard_resource` name; None otherwise."""
    if not resource.startswith(SHARD_PREFIX):
        return None
    uuid_part, sep, shard_id = resource[len(SHARD_PREFIX) :].partition("/")
    return (uuid_part, shard_id) if sep and uuid_part and shard_id else None


def slot_resource(scope: str, index: int) -> str:
    """The lease on concurrency slot ``index`` of ``scope`` (a mapping UUID for
    MaximumConcurrency, ``function/NAME`` for ReservedConcurrentExecutions)."""
    return f"{SLOT_PREFIX}{scope}/{index}"
