"""What the engine runs: a mapping bound to how its drain is judged, and the factory that
builds one from a config.

The engine imports nothing concrete: :mod:`headrace.app` passes a :class:`BindingFactory`
that picks the source and runtime for a config.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from headrace.config.model import EventSourceMappingConfig
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.queues.queue_mapping import QueueMapping
from headrace.esm.streams.stream_mapping import StreamMapping
from headrace.sources.source_seam import QueueDepthReport, SourceCore
from headrace.statistics import MappingStatistics


class RunningMapping(Protocol):
    """What the engine needs of a queue or stream mapping."""

    @property
    def config(self) -> EventSourceMappingConfig: ...

    @property
    def uuid(self) -> str: ...

    @property
    def record(self) -> MappingRecord: ...

    @property
    def transition_reason(self) -> str | None:
        """§1.3.4: the kind's StateTransitionReason (None: the lifecycle's own)."""
        ...

    async def run(self) -> None: ...

    def stop(self) -> None: ...

    def watch(self, event: asyncio.Event) -> None: ...

    def statistics(self) -> MappingStatistics: ...


class Binding(Protocol):
    """A running mapping and how to tell that its work is drained."""

    @property
    def mapping(self) -> RunningMapping: ...

    async def drained(self) -> bool: ...


class BindingFactory(Protocol):
    """Builds the binding of a config, carrying ``record`` (lifecycle, counters) over.

    Called on create, and again on every update, enable and disable: the engine stops
    the old build (its in-flight batches finish) and runs the new one. Raises the AWS
    error of a config it cannot serve (an ARN that is no source it knows, say).
    """

    def __call__(self, config: EventSourceMappingConfig, record: MappingRecord, /) -> Binding: ...


class SourceOpener(Protocol):
    """Opens what a mapping reads before it is built, and closes it once it is gone.

    :meth:`Engine.create <headrace.esm.engine.Engine.create>` awaits :meth:`open` before
    the first build: a source that cannot be opened refuses the create with AWS's error
    (§1.6.11, §1.6.12) and nothing is kept. The engine calls :meth:`close` once a deleted
    mapping's last build has stopped (its in-flight batches finished), so nothing closes
    under a running batch. Both take the mapping's UUID as the key; ``close`` of a UUID
    never opened is a no-op.
    """

    async def open(self, config: EventSourceMappingConfig, /) -> None: ...

    async def close(self, uuid: str, /) -> None: ...


@dataclass(frozen=True, slots=True)
class MappingBinding:
    """A queue mapping and the source it reads (any ``SourceCore``).

    The drain check asks a source with :class:`QueueDepthReport` for its depth; a source
    without one is judged by what the mapping saw of it (:mod:`~headrace.esm.queues.
    quiet_watch`: its last receive came back empty after the last settle, nothing held).
    """

    mapping: QueueMapping
    source: SourceCore

    async def drained(self) -> bool:
        """No batch in flight, and nothing visible, delayed or in flight in the queue."""
        if self.mapping.statistics().in_flight_batches:
            return False
        if isinstance(self.source, QueueDepthReport):
            return not (await self.source.depth()).total
        quiet = self.mapping.poller.reader.quiet
        return quiet is not None and quiet.quiet()


@dataclass(frozen=True, slots=True)
class StreamBinding:
    """A stream mapping: drained when every shard's checkpoint is at its tip (design.md)."""

    mapping: StreamMapping

    async def drained(self) -> bool:
        return await self.mapping.drained()
