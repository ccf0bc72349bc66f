"""The storage seam for what the engine keeps outside itself, as async Protocols.

Four stores, each a Protocol with ``aclose()``:

- :class:`CheckpointStore`: a stream mapping's shard checkpoints and retry states (§7.3);
- :class:`LeaseStore`: shard leases with a fencing counter (KCL's ``leaseCounter``);
- :class:`MappingRegistry`: mappings made at run time, as AWS describes them;
- :class:`StatusStore`: a running engine's statistics for `headrace status`.

:class:`StateStores` bundles one backend's four. Backends: SQLite in ``state.sqlite3``
(:mod:`headrace.state.sqlite_state`) and in memory (:mod:`headrace.state.memory_state`); the
conformance suite :mod:`headrace.testing.conformance.state_conformance` is their contract.

Fencing: every :meth:`LeaseStore.take` and :meth:`LeaseStore.steal` gives the lease a larger
token than it ever had. A write that depends on holding a lease carries it
(``CheckpointStore.save(..., lease=)``) and the store checks, in the write's own transaction,
that the token is still the current one; otherwise it raises
:class:`~headrace.errors.LeaseLost` and stores nothing, so a holder that lost its lease (paused
past expiry, stolen from) can never commit over the new holder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from headrace.statistics import MappingStatistics


@dataclass(frozen=True, slots=True)
class EngineRecord:
    """Which process runs the engine on a data_dir, and when it last said so."""

    pid: int
    started_at: float
    heartbeat_at: float
    port: int | None


# A shard's stored position when it was closed and every record of it was settled: its
# children may start (§5.5).
SHARD_END = "SHARD_END"
# A shard's stored position meaning "from its first record" (a LATEST start on an empty shard).
TRIM_HORIZON = "TRIM_HORIZON"


@dataclass(frozen=True, slots=True)
class RetryState:
    """A stream batch waiting for a retry, as kept beside its shard's checkpoint (§4.2.4).

    The batch's records run from sequence number ``first`` to ``last``; ``invocations``
    carried them so far (the on-failure record's ``approximateInvokeCount``) and
    ``retries`` of MaximumRetryAttempts are used up; ``request_id`` is the last
    invocation's. A restart resumes the batch with this history instead of a fresh one.
    """

    first: str
    last: str
    invocations: int
    retries: int
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class MappingCheckpoints:
    """One stream mapping's stored checkpoints.

    ``positions`` maps shard ids to the sequence number of the last settled record,
    :data:`SHARD_END` or :data:`TRIM_HORIZON`. ``started`` says the mapping resolved its
    StartingPosition before (shards without a position are then new: read from the start).
    ``retrying`` maps shard ids to the batches of the shard that were waiting for a retry.
    """

    started: bool
    positions: Mapping[str, str]
    retrying: Mapping[str, tuple[RetryState, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lease:
    """``owner`` holds ``resource`` until ``expires_at`` (the injected clock's ``time()``).

    ``token`` is the fencing counter: it grows with every take and steal of the resource, so
    a write carrying an older token is from a holder that lost the lease.
    """

    resource: str
    owner: str
    token: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class MappingRecord:
    """A mapping made at run time: ``config`` is the AWS dict ``to_aws()`` makes (the
    CreateEventSourceMapping fields), ``state`` AWS's state string (``Enabled``…) and
    ``last_modified`` AWS's LastModified, in seconds since the epoch."""

    uuid: str
    config: Mapping[str, Any]
    state: str
    last_modified: float


class CheckpointStore(Protocol):
    """Where stream mappings keep their per-shard checkpoints (§7.3, §5.4), keyed by UUID."""

    async def load(self, mapping_uuid: str) -> MappingCheckpoints:
        """The stored checkpoints of one mapping (empty and not started if it never ran)."""
        ...

    async def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        """Store positions of some shards and mark the mapping started: one transaction.

        ``retrying`` replaces the stored retry states of the shards it names (an empty
        sequence forgets them); shards it does not name keep theirs. With ``lease``, the
        save is refused whole with :class:`~headrace.errors.LeaseLost` unless the lease's
        owner and token are still the current ones.
        """
        ...

    async def aclose(self) -> None: ...


class LeaseStore(Protocol):
    """Leases on named resources (shards), with a fencing counter; expiry by the clock."""

    async def take(self, resource: str, owner: str, duration: float) -> Lease | None:
        """Take ``resource`` for ``duration`` seconds if nobody holds it or the lease
        expired; None if someone else holds a live lease. Increments the token."""
        ...

    async def renew(self, lease: Lease, duration: float) -> Lease:
        """Extend ``lease`` to ``duration`` seconds from now; only while its owner and token
        are current (an expired lease nobody took since may be renewed), else
        :class:`~headrace.errors.LeaseLost`. The token stays."""
        ...

    async def release(self, lease: Lease) -> bool:
        """Give ``resource`` up if ``lease`` is still current (True), else do nothing."""
        ...

    async def steal(self, resource: str, owner: str, duration: float) -> Lease:
        """Take ``resource`` even from a live holder (balancing); increments the token."""
        ...

    async def holder(self, resource: str) -> Lease | None:
        """The current live lease on ``resource``, or None (free, released or expired)."""
        ...

    async def aclose(self) -> None: ...


class MappingRegistry(Protocol):
    """Mappings made at run time, by UUID."""

    async def put(self, record: MappingRecord) -> None:
        """Store ``record``, replacing one with its UUID."""
        ...

    async def get(self, uuid: str) -> MappingRecord | None: ...

    async def list(self) -> tuple[MappingRecord, ...]:
        """Every stored mapping, by UUID."""
        ...

    async def delete(self, uuid: str) -> bool:
        """Forget the mapping; False if there was none."""
        ...

    async def aclose(self) -> None: ...


class StatusStore(Protocol):
    """Where a running engine publishes its mappings' statistics."""

    async def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        """Store the engine record and the snapshots in one transaction."""
        ...

    async def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]: ...

    async def clear_engine(self, pid: int) -> None:
        """Forget the engine record of ``pid`` (it stopped cleanly)."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StateStores:
    """One backend's four stores, closed together."""

    checkpoints: CheckpointStore
    leases: LeaseStore
    mappings: MappingRegistry
    status: StatusStore

    async def aclose(self) -> None:
        """Close every store (each once, even if two are one object)."""
        seen: list[object] = []
        for store in (self.checkpoints, self.leases, self.mappings, self.status):
            if not any(store is other for other in seen):
                seen.append(store)
                await store.aclose()
