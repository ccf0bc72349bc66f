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
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from headrace import arn as arnlib
from headrace.broker.datadir_watch import watching
from headrace.broker.embedded import EmbeddedBroker
from headrace.clock import Clock, SystemClock
from headrace.config.model import Config, EndpointAuth, EventSourceMappingConfig
from headrace.errors import InvalidParameterValueException
from headrace.esm.engine import Binding, Engine, MappingBinding, RunResult, StreamBinding
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.esm.streams.destinations import DestinationSender
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.functions.function_seam import FunctionRuntime, FunctionStatistics
from headrace.functions.kinds.function_kind_seam import RuntimeSettings
from headrace.functions.kinds.function_kind_table import kind_for as kind_for_function
from headrace.mapping_control import MappingControl
from headrace.mapping_sources import MappingSources
from headrace.owned_tasks import OwnedTasks
from headrace.sources.kinds.opening import OpenedSource
from headrace.sources.source_seam import SourceCore, StreamSource
from headrace.state.publisher import StatusPublisher
from headrace.state.schema import STATE_FILE_NAME
from headrace.state.sqlite import BUSY_TIMEOUT_SECONDS as STATUS_BUSY_TIMEOUT_SECONDS
from headrace.state.sqlite_state import SqliteStatus, open_sqlite_mappings
from headrace.state.state_seam import EngineRecord

log = logging.getLogger("headrace")
# The endpoint's credentials from the environment, when the file has no ``auth:``.
ACCESS_KEY_ENV, SECRET_KEY_ENV = "HEADRACE_ACCESS_KEY_ID", "HEADRACE_SECRET_ACCESS_KEY"


def endpoint_auth(config: Config, host: str, env: Mapping[str, str]) -> EndpointAuth | None:
    """The credentials the endpoint checks signatures against; None on loopback.

    Bound to loopback the endpoint accepts any credentials, as local AWS emulators do.
    Beyond it, the file's ``auth:`` or HEADRACE_ACCESS_KEY_ID / HEADRACE_SECRET_ACCESS_KEY
    are needed; without them the run refuses to start (:class:`EndpointUnguarded`, exit 2).
    """
    from headrace.api.host_guard import is_loopback_host

    if is_loopback_host(host):
        return None
    auth = config.auth
    if auth is None and env.get(ACCESS_KEY_ENV) and env.get(SECRET_KEY_ENV):
        auth = EndpointAuth(env[ACCESS_KEY_ENV], env[SECRET_KEY_ENV])
    if auth is None:
        from headrace.api.endpoint_errors import EndpointUnguarded

        raise EndpointUnguarded(
            f"--host {host} is not a loopback address: anyone who reaches it could change "
            f"queues and mappings. Give the endpoint credentials (auth: {{access_key_id: ..., "
            f"secret_access_key: ...}} in {config.path.name}, or {ACCESS_KEY_ENV} and "
            f"{SECRET_KEY_ENV}); clients then sign requests with them."
        )
    return auth


@dataclass(frozen=True, slots=True)
class RunOptions:
    until_drained: bool = False
    timeout: float | None = None
    port: int | None = 4566  # None: no endpoint; 0: a port the OS picks (App.endpoint_port)
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
        # Every mapping the engine has built, by UUID (the pools are sized for them).
        self._bound: dict[str, EventSourceMappingConfig] = {}
        self.engine: Engine | None = None
        # The mapping control plane (the Lambda API's), once the engine is built.
        self.control: MappingControl | None = None
        # Work the endpoint starts and a run sees finished (Invoke's Event invocations).
        self.background = OwnedTasks()
        # The endpoint's port once it listens (None: no endpoint, or not yet).
        self.endpoint_port: int | None = None
        # Every mapping's source, opened on create and closed on delete.
        self.sources = MappingSources(config, self.broker, self.clock)
        # Set once the run stops: what waits on the endpoint (SQS long polls) ends then.
        self.stopping = asyncio.Event()
        # A stop asked for while starting, applied once the engine exists.
        self._stop_asked = False
        self._force_asked = False

    def _runtime(self, name: str) -> FunctionRuntime:
        """The function's pool, sized for every mapping bound so far (the file's and those
        made at run time): a new mapping grows it, a deleted one does not shrink it."""
        concurrency = self._concurrency(name)
        if name not in self.runtimes:
            function = self.config.functions[name]
            settings = RuntimeSettings(
                concurrency=concurrency,
                region=self.config.region,
                account=self.config.account,
            )
            self.runtimes[name] = kind_for_function(function).build(function, settings)
        self.runtimes[name].grow(concurrency)
        return self.runtimes[name]

    def _concurrency(self, name: str) -> int:
        """Config.function_concurrency over the file's mappings and every one bound."""
        mappings = {m.uuid: m for m in self.config.event_source_mappings}
        mappings.update(self._bound)
        return self.config.function_concurrency(name, mappings.values())

    async def _build_engine(self) -> Engine:
        """An engine whose first mappings are the file's (each a ``create`` call, which
        opens the mapping's source through its kind: :mod:`headrace.mapping_sources`)."""
        engine = Engine(factory=self._binding, sources=self.sources, clock=self.clock)
        for mapping in self.config.event_source_mappings:
            await engine.create(mapping)
        return engine

    def _binding(self, mapping: EventSourceMappingConfig, record: MappingRecord) -> Binding:
        """The engine's :class:`BindingFactory`: the parts for one mapping's config."""
        self._bound[mapping.uuid] = mapping
        opened = self.sources.get(mapping.uuid)
        if opened is None or opened.source is None:
            raise InvalidParameterValueException(
                f"{mapping.event_source_arn}: no source is open for mapping {mapping.uuid}"
            )
        if opened.kind.defaults.is_stream:
            return self._stream_binding(mapping, opened.source, record)
        return self._queue_binding(mapping, opened.source, record)

    def _queue_binding(
        self, mapping: EventSourceMappingConfig, opened: OpenedSource, record: MappingRecord
    ) -> MappingBinding:
        source = opened.source
        if not isinstance(source, SourceCore):  # a queue kind opens at least the core
            raise InvalidParameterValueException(
                f"{mapping.event_source_arn}: its kind opened no queue source"
            )
        function = self.config.functions[mapping.function_name]
        built = build_queue_mapping(
            mapping,
            source,
            self._runtime(mapping.function_name),
            clock=self.clock,
            shape=opened.shape,
            function_timeout=function.timeout,
            function_concurrency=self._concurrency(mapping.function_name),
            record=record,
        )
        return MappingBinding(built, source)

    def _stream_binding(
        self, mapping: EventSourceMappingConfig, opened: OpenedSource, record: MappingRecord
    ) -> StreamBinding:
        source: StreamSource = opened.source  # type: ignore[assignment]
        assert self.sources.checkpoints is not None
        config = self.config
        function = config.functions[mapping.function_name]
        built = build_stream_mapping(
            mapping,
            source,
            self._runtime(mapping.function_name),
            shape=opened.shape,
            store=self.sources.checkpoints,
            clock=self.clock,
            function_arn=arnlib.lambda_function(config.region, config.account, function.name),
            destination=self._destination(mapping),
            record=record,
        )
        if opened.counters_sink is not None:
            opened.counters_sink(record.hooks)  # source problems: LastProcessingResult
        return StreamBinding(built)

    def _destination(self, mapping: EventSourceMappingConfig) -> DestinationSender | None:
        """The on-failure destination: an embedded queue; anything else is refused."""
        destination = mapping.on_failure_destination
        if not destination:
            return None
        opened = self.sources.get(mapping.uuid)
        if opened is not None and opened.destination is not None:
            return opened.destination
        from headrace.sources.embedded_streams import EmbeddedQueueDestination

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
        auth = endpoint_auth(self.config, options.host, os.environ)
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(self.broker)
            stack.push_async_callback(self.sources.aclose)
            self.engine = engine = await self._build_engine()
            await self._open_control(stack, engine)
            if self._stop_asked:
                engine.stop(force=self._force_asked)
            stack.push_async_callback(self._close_runtimes)
            # Before the runtimes close: queued Event invocations finish (or, on a forced
            # stop, are cancelled).
            stack.push_async_callback(self._close_background)
            port = None
            if options.port is not None:
                # Imported only for an endpoint: a run without one never loads aiohttp.
                from headrace.api.aws.aws_endpoint import AwsEndpoint
                from headrace.api.aws.service_table import served_services
                from headrace.api.metrics import StatisticsCollector
                from headrace.api.server import Endpoint

                endpoint = Endpoint(
                    StatisticsCollector(engine.statistics, self.function_statistics),
                    self.status,
                    host=options.host,
                    port=options.port,
                    aws=AwsEndpoint(served_services(self), auth=auth),
                )
                await stack.enter_async_context(endpoint)
                stack.callback(self.stopping.set)  # before the endpoint closes: polls end
                port = self.endpoint_port = endpoint.port
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

    async def _open_control(self, stack: contextlib.AsyncExitStack, engine: Engine) -> None:
        """The mapping control plane over ``engine``, with the mappings made through the
        API before created again (after the file's)."""
        path = self.config.data_dir / STATE_FILE_NAME
        registry = await asyncio.to_thread(open_sqlite_mappings, path)
        stack.push_async_callback(registry.aclose)
        self.control = MappingControl(
            self.config, engine, registry, resources=self.sources.resources
        )
        await self.control.restore()

    def stop(self, *, force: bool = False) -> None:
        """Stop gracefully (Ctrl-C, SIGTERM: in-flight batches finish), or by ``force``
        (a second one: in-flight batches return to their source; see ``Engine.stop``).

        A stop asked for before the engine exists (still starting) applies as it starts.
        """
        self._stop_asked = True
        self._force_asked = self._force_asked or force
        self.stopping.set()
        if self.engine is not None:
            self.engine.stop(force=force)

    async def _close_background(self) -> None:
        await self.background.aclose(cancel=self._force_asked)

    async def _close_runtimes(self) -> None:
        for runtime in self.runtimes.values():
            await runtime.aclose()

    @contextlib.asynccontextmanager
    async def _publishing(self, port: int | None, busy_timeout: float) -> AsyncIterator[None]:
        """Publish the engine's status while the block runs (best effort, see
        :mod:`headrace.state.publisher`); the last snapshot is written at the end."""
        engine = self.engine
        assert engine is not None
        store = SqliteStatus(self.config.data_dir / STATE_FILE_NAME, busy_timeout=busy_timeout)
        started = self.clock.time()

        def record() -> EngineRecord:
            return EngineRecord(os.getpid(), started, self.clock.time(), port)

        publisher = StatusPublisher(store, engine.statistics, record, clock=self.clock)
        # Not a TaskGroup: it would wrap the run's own errors (DataDirChanged) in a group.
        tasks = OwnedTasks()
        task = tasks.spawn(publisher.run(), name="status-publisher")
        try:
            yield
        finally:
            await tasks.aclose(cancel=True)
            try:
                await publisher.retire(os.getpid())
                await store.aclose()
            finally:
                if not task.cancelled():
                    task.result()  # a publisher that died raises here, as before
