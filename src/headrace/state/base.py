"""What the engine keeps outside itself: snapshots of its mappings for `headrace status`.

Later issues add checkpoints and leases here; the Protocol grows with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from headrace.statistics import MappingStatistics


@dataclass(frozen=True, slots=True)
class EngineRecord:
    """Which process runs the engine on a data_dir, and when it last said so."""

    pid: int
    started_at: float
    heartbeat_at: float
    port: int | None


class StatusStore(Protocol):
    """Where a running engine publishes its mappings' statistics."""

    def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None: ...

    def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]: ...

    def clear_engine(self, pid: int) -> None:
        """Forget the engine record of ``pid`` (it stopped cleanly)."""
        ...

    def close(self) -> None: ...


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


class CheckpointStore(Protocol):
    """Where stream mappings keep their per-shard checkpoints (§7.3, §5.4), keyed by UUID.

    Methods are blocking; the engine calls them off the event loop.
    """

    def load(self, mapping_uuid: str) -> MappingCheckpoints: ...

    def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
    ) -> None:
        """Store positions of some shards and mark the mapping started: one transaction.

        ``retrying`` replaces the stored retry states of the shards it names (an empty
        sequence forgets them); shards it does not name keep theirs.
        """
        ...

    def close(self) -> None: ...
