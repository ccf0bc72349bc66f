"""End to end: `headrace run`'s endpoint refuses web pages (DNS rebinding, other origins)."""

from __future__ import annotations

import http.client

import pytest
from e2e_project import Project, free_port, function, mapping, queue, wait_until

pytestmark = pytest.mark.e2e

FORBIDDEN, OK = 403, 200


def get_status(port: int, headers: dict[str, str]) -> tuple[int, str] | None:
    """GET /status on 127.0.0.1:PORT with these headers (Host included); None while down."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/status", headers=headers)
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    except OSError:
        return None
    finally:
        connection.close()


@pytest.fixture
def port(project: Project) -> int:
    """A running engine's endpoint port, once it answers."""
    project.configure(
        queues={"orders": queue()}, functions={"fn": function()}, mappings=[mapping("fn", "orders")]
    )
    port = free_port()
    project.start("run", "--port", str(port))
    wait_until(lambda: get_status(port, {"Host": f"127.0.0.1:{port}"}), "the endpoint to answer")
    return port


def test_a_rebinding_host_is_refused(port: int) -> None:
    """A page on evil.example whose name now points at 127.0.0.1 gets 403, not the status."""
    reply = get_status(port, {"Host": f"evil.example:{port}"})
    assert reply is not None
    status, body = reply
    assert status == FORBIDDEN
    assert "does not name this machine" in body
    assert "EventSourceMappings" not in body


def test_a_foreign_origin_is_refused(port: int) -> None:
    """A cross-site request (a page elsewhere calling 127.0.0.1) gets 403."""
    reply = get_status(port, {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example"})
    assert reply is not None
    assert reply[0] == FORBIDDEN


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_and_the_endpoints_own_origin_are_served(port: int, host: str) -> None:
    """SDKs, CLIs and the endpoint's own pages keep working."""
    reply = get_status(port, {"Host": f"{host}:{port}", "Origin": f"http://localhost:{port}"})
    assert reply is not None
    assert reply[0] == OK
    assert "EventSourceMappings" in reply[1]
