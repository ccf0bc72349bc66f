"""Wiring: everything `headrace run` starts for one config, chosen in this one place.

The engine sees Protocols only; this module picks the concrete parts: the embedded broker
for queues the config declares, worker-process runtimes for functions, the SQLite state
store for status snapshots, and the HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from headrace.api.metrics import StatisticsCollector
from headrace.api.server import Endpoint
from headrace.broker.embedded import EmbeddedBroker
from headrace.clock import Clock, SystemClock
from headrace.config.model import Config
from headrace.errors import InvalidParameterValueException
from headrace.esm.build import build_queue_mapping
from headrace.esm.engine import Engine, MappingBinding, RunResult
from headrace.functions.base import FunctionRuntime, FunctionStatistics
from headrace.functions.process import ProcessFunctionRuntime
from headrace.state.base import EngineRecord
from headrace.state.sqlite import SqliteStatusStore

log = logging.getLogger("headrace")

# How often a running engine publishes its mappings' statistics for `headrace status`.
STATUS_PUBLISH_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class RunOptions:
    until_drained: bool = False
    timeout: float | None = None
    port: int | None = 4566  # None or 0: no endpoint
    host: str = "127.0.0.1"


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
        bindings = []
        for mapping in self.config.event_source_mappings:
            if self.config.queue_by_arn(mapping.event_source_arn) is None:
                raise InvalidParameterValueException(
                    f"{mapping.event_source_arn}: only embedded queues declared under "
                    "`queues:` can be read yet; real AWS sources arrive with headrace[aws]"
                )
            source = self.broker.source_for(mapping.event_source_arn)
            function = self.config.functions[mapping.function_name]
            built = build_queue_mapping(
                mapping,
                source,
                self._runtime(mapping.function_name),
                clock=self.clock,
                region=self.config.region,
                function_timeout=function.timeout,
                function_concurrency=self.config.function_concurrency(mapping.function_name),
            )
            bindings.append(MappingBinding(built, source))
        return Engine(bindings, clock=self.clock)

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
            self.engine = engine = self._build_engine()
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
            async with self._publishing(port):
                return await engine.run(
                    until_drained=options.until_drained, timeout=options.timeout
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Graceful stop (Ctrl-C, SIGTERM): in-flight batches finish."""
        if self.engine is not None:
            self.engine.stop()

    async def _close_runtimes(self) -> None:
        for runtime in self.runtimes.values():
            await runtime.aclose()

    @contextlib.asynccontextmanager
    async def _publishing(self, port: int | None) -> AsyncIterator[None]:
        store = SqliteStatusStore(self.config.data_dir / "state.sqlite3")
        started = self.clock.time()
        task = asyncio.create_task(self._publish_loop(store, started, port))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._publish(store, started, port)
            store.clear_engine(os.getpid())
            store.close()

    async def _publish_loop(
        self, store: SqliteStatusStore, started: float, port: int | None
    ) -> None:
        while True:
            await asyncio.to_thread(self._publish, store, started, port)
            await asyncio.sleep(STATUS_PUBLISH_SECONDS)

    def _publish(self, store: SqliteStatusStore, started: float, port: int | None) -> None:
        if self.engine is None:
            return
        record = EngineRecord(os.getpid(), started, self.clock.time(), port)
        store.publish(record, self.engine.statistics())
