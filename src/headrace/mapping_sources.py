"""The sources of a run's mappings: opened through their kinds when a mapping is created,
closed when it is deleted.

``headrace run`` hands the engine a :class:`MappingSources` (the engine's
:class:`~headrace.esm.bindings.SourceOpener`). The config file's mappings are the first
creates; issue 10's CreateEventSourceMapping adds more while the engine runs. Each mapping
opens its source in an exit stack of its own (a real SQS or Kinesis client, an AWS on-failure
destination), closed by :meth:`MappingSources.close` once the engine has stopped the
mapping's last build. The run's shared files are opened on first need and reference-counted
by the mappings that use them: the embedded streams file (embedded streams and tables'
change streams) and the checkpoint store (every stream mapping); the last user's delete
closes them. The run's AWS endpoint is one more user of the streams file, from its first
Kinesis or DynamoDB Streams request to the end of the run. The embedded broker is the
run's, opened before any mapping and closed after.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from headrace.broker.embedded import EmbeddedBroker
from headrace.broker.queue_broker import QueueBroker
from headrace.clock import Clock
from headrace.config.kinds import SourceKind, Unresolved, kind_for
from headrace.config.model import Config, EventSourceMappingConfig, QueueConfig
from headrace.errors import InvalidParameterValueException
from headrace.esm.streams.destinations import DestinationSender
from headrace.sources.kinds.opening import OpenedSource
from headrace.state.schema import STATE_FILE_NAME
from headrace.state.sqlite_state import SqliteCheckpoints, open_sqlite_checkpoints

if TYPE_CHECKING:
    from headrace.sources.embedded_streams import EmbeddedStreams

# The embedded streams' file in data_dir (``headrace.broker.streams.STREAMS_FILE_NAME``,
# not imported: a queue-only run never loads the stream brokers).
STREAMS_FILE = "streams.sqlite3"
# The endpoint's hold on the streams file, among the mapping UUIDs that use it.
ENDPOINT_USER = "endpoint"


@dataclass(slots=True)
class OpenMapping:
    """What one mapping opened: its kind, its source as the kind opened it, its AWS
    on-failure destination, and the stack that closes them."""

    kind: SourceKind
    stack: contextlib.AsyncExitStack
    source: OpenedSource | None = None
    destination: DestinationSender | None = None


@dataclass(slots=True)
class _Shared:
    """A run-wide file opened on first need and closed when its last user is gone."""

    users: set[str] = field(default_factory=set)
    stack: contextlib.AsyncExitStack | None = None

    async def release(self, uuid: str) -> bool:
        """Forget ``uuid``; close the file if it was the last user (True then)."""
        self.users.discard(uuid)
        if self.users or self.stack is None:
            return False
        stack, self.stack = self.stack, None
        await stack.aclose()
        return True


class MappingSources:
    """Every mapping's source, by mapping UUID, opened on create and closed on delete."""

    def __init__(self, config: Config, broker: EmbeddedBroker, clock: Clock) -> None:
        self.config = config
        self.broker = broker
        self.clock = clock
        self.opened: dict[str, OpenMapping] = {}
        self.streams: EmbeddedStreams | None = None
        self.checkpoints: SqliteCheckpoints | None = None
        self._streams_users = _Shared()
        self._checkpoint_users = _Shared()
        self._streams_opening = asyncio.Lock()  # two first users open the file once

    def get(self, uuid: str) -> OpenMapping | None:
        return self.opened.get(uuid)

    async def open(self, mapping: EventSourceMappingConfig) -> None:
        """Open ``mapping``'s source through its kind (one registry look-up), and for a
        stream mapping the checkpoint store and its AWS on-failure destination.

        A source the run does not have is refused as AWS refuses it at create: an
        undeclared embedded queue with §1.6.11's message, an undeclared embedded stream or
        table with §1.6.12's; so is an unknown function (§1.6.2). Whatever opening raises
        leaves nothing open.
        """
        if mapping.function_name not in self.config.functions:
            # §1.6.2; before the source, whose record shape may name the function.
            raise InvalidParameterValueException("Function does not exist")
        config = await self.resources()
        kind = kind_for(config, mapping)
        if kind is None:
            raise InvalidParameterValueException(
                f"{mapping.event_source_arn}: not an SQS queue, Kinesis stream or "
                "DynamoDB stream ARN"
            )
        if not kind.built(config, mapping.event_source_arn):
            raise InvalidParameterValueException(_not_found(kind, config, mapping.event_source_arn))
        entry = OpenMapping(kind, contextlib.AsyncExitStack())
        self.opened[mapping.uuid] = entry
        try:
            opening = _Opening(self, config, entry.stack, mapping.uuid)
            entry.source = await kind.open(opening, mapping)
            if kind.defaults.is_stream:
                await self._open_stream_parts(mapping, entry)
        except BaseException:
            await self.close(mapping.uuid)
            raise

    async def _open_stream_parts(
        self, mapping: EventSourceMappingConfig, entry: OpenMapping
    ) -> None:
        from headrace.sources import aws_stream_wiring as wiring

        self._checkpoint_users.users.add(mapping.uuid)
        if self._checkpoint_users.stack is None:
            stack = contextlib.AsyncExitStack()
            self.checkpoints = open_sqlite_checkpoints(self.config.data_dir / STATE_FILE_NAME)
            stack.push_async_callback(self.checkpoints.aclose)
            self._checkpoint_users.stack = stack
        entry.destination = await wiring.open_failure_destination(
            self.config, mapping, clock=self.clock, stack=entry.stack
        )

    async def close(self, uuid: str) -> None:
        """Close what only mapping ``uuid`` opened, and a shared file it was the last to
        use. A UUID never opened (or closed already) is a no-op."""
        entry = self.opened.pop(uuid, None)
        try:
            if entry is not None:
                await entry.stack.aclose()
        finally:
            if await self._checkpoint_users.release(uuid):
                self.checkpoints = None
            if await self._streams_users.release(uuid):
                self.streams = None

    async def aclose(self) -> None:
        """Close every mapping's source, then the shared files (the end of a run)."""
        for uuid in list(self.opened):
            await self.close(uuid)
        await self.close(ENDPOINT_USER)

    async def resources(self) -> Config:
        """The config with the resources a mapping can name now: the queue broker's
        catalog (the file's queues as SetQueueAttributes left them, those CreateQueue made,
        none DeleteQueue removed) and the streams CreateStream and tables CreateTable made
        (read from the streams file; the file's win a name in both). Source kinds resolve
        and open ARNs against it as against the file."""
        queues = await self.broker.call(_catalogued_queues, self.broker.queues)
        config = dataclasses.replace(self.config, queues=queues)
        path = self.config.data_dir / STREAMS_FILE
        if not path.exists():
            return config
        from headrace.broker.streams.created_streams import read_created_streams
        from headrace.broker.tables.created_tables import read_created_tables

        streams = await asyncio.to_thread(read_created_streams, path)
        tables = await asyncio.to_thread(read_created_tables, path)
        return dataclasses.replace(
            config,
            streams={**streams, **self.config.streams},
            tables={**tables, **self.config.tables},
        )

    async def endpoint_streams(self) -> EmbeddedStreams:
        """The streams file for the AWS endpoint: opened on its first need, kept open until
        :meth:`aclose` (mappings come and go meanwhile without closing it)."""
        return await self.embedded_streams(ENDPOINT_USER)

    async def embedded_streams(self, uuid: str) -> EmbeddedStreams:
        """The streams file, opened on its first user's need; ``uuid`` now uses it."""
        self._streams_users.users.add(uuid)
        async with self._streams_opening:
            return await self._open_streams()

    async def _open_streams(self) -> EmbeddedStreams:
        if self.streams is None:
            # Loaded on the first stream mapping's need: a queue-only run never imports
            # the stream and table brokers.
            from headrace.sources.embedded_streams import EmbeddedStreams

            config = self.config
            streams = EmbeddedStreams(
                config.data_dir,
                config.streams,
                config.tables,
                region=config.region,
                account=config.account,
                waker=self.broker.waker,
                clock=self.clock,
            )
            stack = contextlib.AsyncExitStack()
            await stack.enter_async_context(streams)
            self.streams, self._streams_users.stack = streams, stack
        return self.streams


def _catalogued_queues(queues: QueueBroker) -> dict[str, QueueConfig]:
    """Every queue of the broker's catalog with its attributes (on the broker thread)."""
    return {name: queues.queue(name).config for name in queues.queue_names}


def _not_found(kind: SourceKind, config: Config, arn: str) -> str:
    """AWS's create-time message for a source that does not exist (§1.6.11, §1.6.12), as
    the kind words it when it resolves ``arn`` against what the run has built."""
    resolved = kind.resolve(arn, config, _Built(config))
    if isinstance(resolved, Unresolved):
        return resolved.message
    return f"{arn}: the {kind.name} source is not available"


@dataclass(frozen=True, slots=True)
class _Built:
    """The run's embedded names, as a kind's ``resolve`` reads them (``Declared``): only
    what was built without problems, so a source the run lacks resolves as not found."""

    config: Config

    @property
    def queues(self) -> frozenset[str]:
        return frozenset(self.config.queues)

    @property
    def streams(self) -> frozenset[str]:
        return frozenset(self.config.streams)

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.config.tables)


@dataclass(frozen=True, slots=True)
class _Opening:
    """What a source kind's opener sees of the run (:class:`~headrace.sources.kinds.
    opening.OpenContext`): the config, clock, broker, the mapping's own exit stack, and
    the shared embedded streams."""

    sources: MappingSources
    config: Config  # with the resources made through the endpoint
    stack: contextlib.AsyncExitStack
    uuid: str

    @property
    def clock(self) -> Clock:
        return self.sources.clock

    @property
    def broker(self) -> EmbeddedBroker:
        return self.sources.broker

    async def embedded_streams(self) -> EmbeddedStreams:
        return await self.sources.embedded_streams(self.uuid)
