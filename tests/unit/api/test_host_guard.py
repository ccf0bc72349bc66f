"""The endpoint refuses web pages: foreign Host names (DNS rebinding) and foreign Origins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from headrace.api.host_guard import FORBIDDEN, refusal
from headrace.api.metrics import StatisticsCollector
from headrace.api.server import Endpoint

PORT = 4566


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:4566",
        "127.0.0.1",
        "127.1.2.3:4566",
        "localhost:4566",
        "LOCALHOST",
        "localhost.",
        "sqs.localhost:4566",
        "[::1]:4566",
        "[::1]",
        "[::ffff:127.0.0.1]:4566",
        "127.0.0.1:9999",  # a forwarded port still names this machine
    ],
)
def test_loopback_hosts_are_served(host: str) -> None:
    """Bound to loopback, Host may name this machine in any of its loopback forms."""
    assert refusal(host=host, origin=None, bound="127.0.0.1", port=PORT) is None


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:4566",
        "evil.example",
        "localhost.evil.example:4566",
        "127.0.0.1.evil.example",
        "10.0.0.5:4566",
        "[2001:db8::1]:4566",
        "2130706433:4566",  # 127.0.0.1 as one number: a browser would have normalised it
        "",
    ],
)
def test_other_hosts_are_refused_on_loopback(host: str) -> None:
    """A DNS rebinding page's requests carry its own name: refused."""
    reason = refusal(host=host, origin=None, bound="127.0.0.1", port=PORT)
    assert reason is not None
    assert "does not name this machine" in reason


def test_the_bound_address_is_always_a_good_host() -> None:
    """Bound to localhost or ::1, those names are served too."""
    assert refusal(host="localhost:4566", origin=None, bound="localhost", port=PORT) is None
    assert refusal(host="[::1]:4566", origin=None, bound="::1", port=PORT) is None


def test_a_request_without_host_is_no_browsers_and_is_served() -> None:
    """HTTP/1.0 clients may omit Host; browsers never do."""
    assert refusal(host=None, origin=None, bound="127.0.0.1", port=PORT) is None


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:4566",
        "http://127.0.0.1:4566",
        "http://[::1]:4566",
        "http://a.localhost:4566",
    ],
)
def test_the_endpoints_own_origins_are_served(origin: str) -> None:
    """A page served by the endpoint itself (a loopback origin on its port) may call it."""
    assert refusal(host="127.0.0.1:4566", origin=origin, bound="127.0.0.1", port=PORT) is None


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example:4566",
        "http://localhost:3000",  # another local server's page is another origin
        "http://localhost",  # port 80
        "https://localhost:4566",  # the endpoint serves no https
        "null",
        "file://",
        "http://[::1",
    ],
)
def test_other_origins_are_refused(origin: str) -> None:
    """Any Origin that is not the endpoint's own is refused, even with a loopback Host."""
    reason = refusal(host="127.0.0.1:4566", origin=origin, bound="127.0.0.1", port=PORT)
    assert reason is not None
    assert "is not this endpoint's" in reason


def test_on_other_addresses_any_host_is_served_and_origin_must_match_it() -> None:
    """Bound elsewhere (with credentials), Host is free; Origin must be the same origin."""
    bound = "0.0.0.0"
    assert refusal(host="build-box:4566", origin=None, bound=bound, port=PORT) is None
    same = refusal(host="build-box:4566", origin="http://build-box:4566", bound=bound, port=PORT)
    assert same is None
    other = refusal(host="build-box:4566", origin="http://evil.example", bound=bound, port=PORT)
    assert other is not None


# --- through the endpoint ------------------------------------------------------------------


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    collector = StatisticsCollector(lambda: [], lambda: [])
    async with Endpoint(collector, lambda: {"ok": True}, host="127.0.0.1", port=0) as served:
        yield served


async def status_of(endpoint: Endpoint, *headers: str) -> tuple[int, str]:
    """GET /status with exactly these header lines; the status code and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
    request = "\r\n".join(["GET /status HTTP/1.1", *headers, "Connection: close", "", ""])
    writer.write(request.encode())
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = response.decode().partition("\r\n\r\n")
    return int(head.split()[1]), body


async def test_the_endpoint_refuses_a_rebinding_host(endpoint: Endpoint) -> None:
    """A request for evil.example reaching 127.0.0.1 is 403 with the reason."""
    status, body = await status_of(endpoint, "Host: evil.example")
    assert status == FORBIDDEN
    assert body.startswith("headrace: Host 'evil.example' does not name this machine")


async def test_the_endpoint_refuses_a_foreign_origin(endpoint: Endpoint) -> None:
    """A page elsewhere calling the endpoint (CSRF) is 403."""
    host = f"Host: 127.0.0.1:{endpoint.port}"
    status, _ = await status_of(endpoint, host, "Origin: http://evil.example")
    assert status == FORBIDDEN


async def test_the_endpoint_serves_loopback_names_and_its_own_origin(endpoint: Endpoint) -> None:
    """SDKs and CLIs (no Origin) and the endpoint's own pages are served."""
    port = endpoint.port
    assert (await status_of(endpoint, f"Host: localhost:{port}"))[0] == 200
    own = await status_of(endpoint, f"Host: 127.0.0.1:{port}", f"Origin: http://localhost:{port}")
    assert own[0] == 200
