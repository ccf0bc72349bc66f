"""Wiring: everything `headrace run` starts for one config, chosen in this one place.

The engine sees Protocols only; this module picks the concrete parts: the embedded broker
for queues the config declares, the embedded streams for declared streams and tables' change
streams, worker-process runtimes for functions, the SQLite state store for status snapshots
and stream checkpoints, and the HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from headrace import arn as arnlib
from headrace.api.metrics import StatisticsCollector
from headrace.api.server import Endpoint
from headrace.aws.clients import region_of
from headrace.broker.datadir_watch import watching
from headrace.broker.embedded import EmbeddedBroker
from headrace.broker.tables import dynamodb_event_record
from headrace.clock import Clock, SystemClock
from headrace.config.kinds import SourceKind
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.errors import HeadraceError, InvalidParameterValueException
from headrace.esm.engine import Binding, Engine, MappingBinding, RunResult, StreamBinding
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.esm.streams.destinations import DestinationSender
from headrace.esm.streams.shapes import DynamoDBShape, KinesisShape, RecordShape
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.functions.base import FunctionRuntime, FunctionStatistics
from headrace.functions.process import ProcessFunctionRuntime
from headrace.sources.aws_streams import AwsStreamSource
from headrace.sources.base import QueueSource, StreamSource
from headrace.sources.embedded_streams import (
    EmbeddedQueueDestination,
    EmbeddedStreams,
    EmbeddedStreamSource,
)
from headrace.state.base import EngineRecord
from headrace.state.checkpoints import SqliteCheckpointStore
from headrace.state.publisher import StatusPublisher
from headrace.state.sqlite import BUSY_TIMEOUT_SECONDS as STATUS_BUSY_TIMEOUT_SECONDS
from headrace.state.sqlite import SqliteStatusStore

log = logging.getLogger("headrace")

# The state store's file in data_dir: status snapshots and stream checkpoints.
STATE_FILE_NAME = "state.sqlite3"


@dataclass(frozen=True, slots=True)
class RunOptions:
    until_drained: bool = False
    timeout: float | None = None
    port: int | None = 4566  # None or 0: no endpoint
    host: str = "127.0.0.1"
    # How long a status write waits for another process's lock on state.sqlite3.
    status_busy_timeout: float = STATUS_BUSY_TIMEOUT_SECONDS


class App:
    """The broker, runtimes, engine and endpoint of one config, as one async resource."""

    def __init__(self, config: Config, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.broker = EmbeddedBroker(
            config.data_dir,
            config.queues,
            region=config.region,
            account=config.account,
            clock=self.clock,
        )
        self.runtimes: dict[str, FunctionRuntime] = {}
        self.engine: Engine | None = None
        self.streams: EmbeddedStreams | None = None
        self.checkpoints: SqliteCheckpointStore | None = None
        # Real SQS queues (any SQS ARN the config does not declare), by mapping UUID.
        self.aws_queues: dict[str, QueueSource] = {}
        # Real Kinesis/DynamoDB streams and AWS on-failure destinations, by mapping UUID.
        self.aws_streams: dict[str, AwsStreamSource] = {}
        self.aws_destinations: dict[str, DestinationSender] = {}
        # A stop asked for while starting, applied once the engine exists.
        self._stop_asked = False
        self._force_asked = False

    def _runtime(self, name: str) -> FunctionRuntime:
        if name not in self.runtimes:
            self.runtimes[name] = ProcessFunctionRuntime(
                self.config.functions[name],
                concurrency=self.config.function_concurrency(name),
                region=self.config.region,
                account=self.config.account,
            )
        return self.runtimes[name]

    def _build_engine(self) -> Engine:
        """An engine whose first mappings are the file's (each a ``create`` call)."""
        engine = Engine(factory=self._binding, clock=self.clock)
        for mapping in self.config.event_source_mappings:
            engine.create(mapping)
        return engine

    def _binding(self, mapping: EventSourceMappingConfig, record: MappingRecord) -> Binding:
        """The engine's :class:`BindingFactory`: the parts for one mapping's config."""
        if self.config.queue_by_arn(mapping.event_source_arn) is not None:
            return self._queue_binding(mapping, record)
        if mapping.uuid in self.aws_queues:
            return self._queue_binding(mapping, record, self.aws_queues[mapping.uuid])
        if mapping.uuid in self.aws_streams or self._stream_source(mapping) is not None:
            return self._stream_binding(mapping, record)
        raise InvalidParameterValueException(
            f"{mapping.event_source_arn}: not an SQS queue, Kinesis stream or DynamoDB stream ARN"
        )

    def _queue_binding(
        self,
        mapping: EventSourceMappingConfig,
        record: MappingRecord,
        source: QueueSource | None = None,
    ) -> MappingBinding:
        source = source or self.broker.source_for(mapping.event_source_arn)
        function = self.config.functions[mapping.function_name]
        built = build_queue_mapping(
            mapping,
            source,
            self._runtime(mapping.function_name),
            clock=self.clock,
            region=region_of(mapping.event_source_arn, self.config.region),
            function_timeout=function.timeout,
            function_concurrency=self.config.function_concurrency(mapping.function_name),
            record=record,
        )
        return MappingBinding(built, source)

    def _stream_source(self, mapping: EventSourceMappingConfig) -> EmbeddedStreamSource | None:
        """The embedded stream or table change stream a mapping reads, or None."""
        arn = mapping.event_source_arn
        stream = self.config.stream_by_arn(arn)
        table = self.config.table_by_arn(arn)
        if self.streams is None or (stream is None and table is None):
            return None
        if stream is not None:
            return self.streams.stream_source(stream.name)
        assert table is not None
        return self.streams.table_source(table.name)

    def _stream_binding(
        self, mapping: EventSourceMappingConfig, record: MappingRecord
    ) -> StreamBinding:
        aws = self.aws_streams.get(mapping.uuid)
        source: StreamSource | None = aws or self._stream_source(mapping)
        assert source is not None
        assert self.checkpoints is not None
        config = self.config
        function = config.functions[mapping.function_name]
        role = function.role or f"arn:aws:iam::{config.account}:role/{function.name}-role"
        shape: RecordShape = (
            KinesisShape(source.arn, region_of(source.arn, config.region), role)
            if mapping.source_kind is SourceKind.KINESIS
            else DynamoDBShape()
            if aws is not None
            else DynamoDBShape(decode=dynamodb_event_record)
        )
        built = build_stream_mapping(
            mapping,
            source,
            self._runtime(mapping.function_name),
            shape=shape,
            store=self.checkpoints,
            clock=self.clock,
            function_arn=arnlib.lambda_function(config.region, config.account, function.name),
            destination=self._destination(mapping),
            record=record,
        )
        if aws is not None:
            aws.report_to(record.hooks)  # AWS problems show as LastProcessingResult
        return StreamBinding(built)

    def _destination(self, mapping: EventSourceMappingConfig) -> DestinationSender | None:
        """The on-failure destination: an embedded queue; anything else is refused."""
        destination = mapping.on_failure_destination
        if not destination:
            return None
        if mapping.uuid in self.aws_destinations:
            return self.aws_destinations[mapping.uuid]
        return EmbeddedQueueDestination(self.broker, destination)

    def function_statistics(self) -> list[FunctionStatistics]:
        return [runtime.statistics() for runtime in self.runtimes.values()]

    def status(self) -> dict[str, Any]:
        """The JSON of GET /status: mappings and functions."""
        from dataclasses import asdict

        engine = self.engine
        return {
            "EventSourceMappings": [asdict(s) for s in engine.statistics()] if engine else [],
            "Functions": [asdict(s) for s in self.function_statistics()],
        }

    async def run(self, options: RunOptions) -> RunResult:
        """Start everything, run until stopped/drained/timed out, then stop everything."""
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(self.broker)
            await self._open_streams(stack)
            await self._open_aws_queues(stack)
            await self._open_aws_streams(stack)
            self.engine = engine = self._build_engine()
            if self._stop_asked:
                engine.stop(force=self._force_asked)
            stack.push_async_callback(self._close_runtimes)
            port = None
            if options.port:
                endpoint = Endpoint(
                    StatisticsCollector(engine.statistics, self.function_statistics),
                    self.status,
                    host=options.host,
                    port=options.port,
                )
                await stack.enter_async_context(endpoint)
                port = endpoint.port
                log.info("endpoint on http://%s:%d (/metrics, /status)", options.host, port)
            # A deleted, replaced or truncated data_dir stops the run (DataDirChanged).
            async with (
                watching(self.config.data_dir, self.clock, self.stop),
                self._publishing(port, options.status_busy_timeout),
            ):
                return await engine.run(
                    until_drained=options.until_drained, timeout=options.timeout
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _open_streams(self, stack: contextlib.AsyncExitStack) -> None:
        """Open the streams file and the checkpoint store if a mapping reads a stream."""
        config = self.config
        if not any(
            config.stream_by_arn(m.event_source_arn) or config.table_by_arn(m.event_source_arn)
            for m in config.event_source_mappings
        ):
            return
        self.streams = EmbeddedStreams(
            config.data_dir,
            config.streams,
            config.tables,
            region=config.region,
            account=config.account,
            waker=self.broker.waker,
            clock=self.clock,
        )
        await stack.enter_async_context(self.streams)
        self.checkpoints = SqliteCheckpointStore(config.data_dir / STATE_FILE_NAME)
        stack.callback(self.checkpoints.close)

    async def _open_aws_queues(self, stack: contextlib.AsyncExitStack) -> None:
        """Connect to every real SQS queue a mapping reads and check it (§1.6.10, §1.6.11)."""
        config = self.config
        for index, mapping in enumerate(config.event_source_mappings):
            arn = mapping.event_source_arn
            if mapping.source_kind is not SourceKind.SQS or config.queue_by_arn(arn) is not None:
                continue
            from headrace.sources.sqs import open_mapping_source

            try:
                source = await stack.enter_async_context(
                    open_mapping_source(config, mapping, clock=self.clock)
                )
            except HeadraceError:
                log.error(
                    "%s: event_source_mappings[%d] (%s): EventSourceArn %s: the real SQS "
                    "queue failed its check",
                    config.path.name,
                    index,
                    mapping.function_name,
                    arn,
                )
                raise
            self.aws_queues[mapping.uuid] = source

    async def _open_aws_streams(self, stack: contextlib.AsyncExitStack) -> None:
        """Open real Kinesis/DynamoDB streams and AWS on-failure destinations of mappings."""
        from headrace.sources import aws_stream_wiring as wiring

        config = self.config
        for mapping in config.event_source_mappings:
            if mapping.source_kind not in (SourceKind.KINESIS, SourceKind.DYNAMODB):
                continue
            if wiring.reads_aws_stream(config, mapping):
                self.aws_streams[mapping.uuid] = await wiring.open_stream_source(
                    config, mapping, clock=self.clock, stack=stack
                )
            sender = await wiring.open_failure_destination(
                config, mapping, clock=self.clock, stack=stack
            )
            if sender is not None:
                self.aws_destinations[mapping.uuid] = sender
        if self.aws_streams and self.checkpoints is None:
            self.checkpoints = SqliteCheckpointStore(config.data_dir / STATE_FILE_NAME)
            stack.callback(self.checkpoints.close)

    def stop(self, *, force: bool = False) -> None:
        """Stop gracefully (Ctrl-C, SIGTERM: in-flight batches finish), or by ``force``
        (a second one: in-flight batches return to their source; see ``Engine.stop``).

        A stop asked for before the engine exists (still starting) applies as it starts.
        """
        self._stop_asked = True
        self._force_asked = self._force_asked or force
        if self.engine is not None:
            self.engine.stop(force=force)

    async def _close_runtimes(self) -> None:
        for runtime in self.runtimes.values():
            await runtime.aclose()

    @contextlib.asynccontextmanager
    async def _publishing(self, port: int | None, busy_timeout: float) -> AsyncIterator[None]:
        """Publish the engine's status while the block runs (best effort, see
        :mod:`headrace.state.publisher`); the last snapshot is written at the end."""
        engine = self.engine
        assert engine is not None
        store = SqliteStatusStore(self.config.data_dir / STATE_FILE_NAME, busy_timeout=busy_timeout)
        started = self.clock.time()

        def record() -> EngineRecord:
            return EngineRecord(os.getpid(), started, self.clock.time(), port)

        publisher = StatusPublisher(store, engine.statistics, record, clock=self.clock)
        task = asyncio.create_task(publisher.run(), name="status-publisher")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await publisher.retire(os.getpid())
            store.close()
