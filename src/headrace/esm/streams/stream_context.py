"""What every shard poller of one stream mapping shares: its rules and its collaborators."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from headrace.clock import Clock
from headrace.esm.hooks import EngineHooks
from headrace.esm.streams.checkpointing import CheckpointWriter
from headrace.esm.streams.destinations import OnFailure
from headrace.esm.streams.policy import RetryPolicy
from headrace.esm.streams.shapes import RecordShape
from headrace.functions.function_seam import FunctionRuntime
from headrace.sources.source_seam import StreamSource, StreamStart

# GetRecords' largest limit (Kinesis: 10,000 records per call).
MAX_READ_LIMIT = 10_000
# The smallest read: even BatchSize 1 reads ahead a little, so a backlog costs few reads.
MIN_READ_LIMIT = 100

RecordFilter = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, kw_only=True, slots=True)
class StreamRules:
    """How a stream mapping batches, orders, retries and starts (§1.2, §2, §4.2, §7.1)."""

    batch_size: int
    batching_window_seconds: int
    parallelization_factor: int
    tumbling_window_seconds: int
    report_batch_item_failures: bool
    policy: RetryPolicy
    starting_position: StreamStart

    @property
    def read_limit(self) -> int:
        """Records per read: enough for every lane's next batch (§2.10), within GetRecords'."""
        wanted = self.batch_size * self.parallelization_factor
        return max(MIN_READ_LIMIT, min(MAX_READ_LIMIT, wanted))

    @property
    def read_ahead(self) -> int:
        """Unsettled records a shard may hold before it stops reading (a blocked lane's
        keys can hold the checkpoint back; memory stays bounded)."""
        return 2 * self.read_limit


@dataclass(kw_only=True, slots=True)
class StreamContext:
    """The parts one stream mapping's shard pollers use."""

    source: StreamSource
    runtime: FunctionRuntime
    shape: RecordShape
    rules: StreamRules
    clock: Clock
    hooks: EngineHooks
    on_failure: OnFailure
    checkpoints: CheckpointWriter
    matches: RecordFilter | None = None
    # Set after every batch and every shard change: the mapping and drain checks wait on it.
    watchers: list[asyncio.Event] = field(default_factory=list)

    def changed(self) -> None:
        """Tell every watcher that something moved."""
        for watcher in self.watchers:
            watcher.set()
