"""The run endpoint: GET /metrics (Prometheus text), GET /status (JSON) and the AWS APIs.

Served by aiohttp on the engine's own event loop. ``--port 0`` in the CLI means no endpoint
(``RunOptions.port=None``; ``port=0`` there lets the OS pick one); a port already in use
raises :class:`EndpointUnavailable` naming the port (exit code 2).
Every request passes :mod:`headrace.api.host_guard` first: web pages (DNS rebinding, other
origins) get 403.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from aiohttp import web

from headrace.api.aws.aws_endpoint import AwsEndpoint
from headrace.api.endpoint_errors import EndpointUnavailable
from headrace.api.host_guard import host_guard
from headrace.api.metrics import StatisticsCollector, render

# Prometheus's registered content type for the text format, version 0.0.4.
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Endpoint:
    """An HTTP endpoint over a statistics collector and a status snapshot."""

    def __init__(
        self,
        collector: StatisticsCollector,
        status: Callable[[], dict[str, Any]],
        *,
        host: str = "127.0.0.1",
        port: int = 4566,
        aws: AwsEndpoint | None = None,
    ) -> None:
        self._collector = collector
        self._aws = aws
        self._status = status
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Endpoint:
        app = web.Application(middlewares=[host_guard(self.host, lambda: self.port)])
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/status", self._status_json)
        if self._aws is not None:
            # Everything else is an AWS API request (SQS posts to "/", Lambda to /2015-03-31/).
            app.router.add_route("*", "/{tail:.*}", self._aws.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            if exc.errno == errno.EADDRINUSE:
                raise EndpointUnavailable(
                    f"port {self.port} on {self.host} is already in use; "
                    "choose another with --port N (or --port 0 for no endpoint)"
                ) from exc
            raise EndpointUnavailable(f"cannot listen on {self.host}:{self.port}: {exc}") from exc
        # With port 0 the OS picks one; report the real port.
        for address in self._runner.addresses:
            self.port = int(address[1])
            break
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        body = render(self._collector)
        return web.Response(body=body, headers={"Content-Type": PROMETHEUS_CONTENT_TYPE})

    async def _status_json(self, request: web.Request) -> web.Response:
        return web.json_response(self._status())
