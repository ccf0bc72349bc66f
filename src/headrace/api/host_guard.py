"""The endpoint's guard against web pages: DNS rebinding and cross-site requests.

Bound to a loopback address the endpoint answers only this machine, but a browser on this
machine can be made to call it: a page on ``evil.example`` rebinds its name to 127.0.0.1
and reads the endpoint as its own origin (DNS rebinding), or posts to
``http://127.0.0.1:4566`` from its own origin. The AWS APIs served there change state, so:

* **Host.** Bound to loopback, a request's ``Host`` (its port aside) must name this
  machine: ``localhost`` or a name under ``.localhost`` (RFC 6761: browsers resolve those to
  loopback themselves, never through DNS), a loopback address (``127.x.x.x``, ``[::1]``) or
  the address the endpoint is bound to. A rebinding page's requests carry its own name.
* **Origin.** Browsers send ``Origin`` on cross-origin requests (and on every POST). A
  request that carries one must come from a page of the endpoint itself: ``http://`` with a
  loopback host (as above) and the endpoint's port. Any other origin, ``null`` included, is
  refused; SDKs and CLIs send no ``Origin``.

A refused request gets **403 Forbidden** with a one-line reason (not 421 Misdirected
Request: the server is the right one, the caller is not allowed). A request without a
``Host`` (HTTP/1.0) is no browser's and passes. Bound to any other address the Host rule is
off — clients reach the machine by any name, and credentials guard it — and ``Origin`` must
be the endpoint's own origin as the request addressed it (``http://`` + its ``Host``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

# The status of a refused request (see the module docstring for why not 421).
FORBIDDEN = 403
# The names RFC 6761 reserves for this machine: ``localhost`` and every name below it.
LOOPBACK_NAME = "localhost"


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, ``*.localhost`` and loopback addresses (``[::1]`` too)."""
    name = host.strip("[]").rstrip(".").lower()
    if name == LOOPBACK_NAME or name.endswith("." + LOOPBACK_NAME):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def host_name(host_header: str) -> str:
    """The host of a ``Host`` header, without its port: ``[::1]:4566`` → ``[::1]``."""
    if host_header.startswith("["):
        return host_header.partition("]")[0] + "]"
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def refusal(*, host: str | None, origin: str | None, bound: str, port: int) -> str | None:
    """Why a request with these ``Host`` and ``Origin`` headers is refused; None if it is not.

    ``bound`` is the address the endpoint listens on, ``port`` its port.
    """
    loopback = is_loopback_host(bound)
    if loopback and host is not None and not _names_this_machine(host_name(host), bound):
        return f"Host {host[:80]!r} does not name this machine; use localhost or 127.0.0.1"
    if origin is not None and not _own_origin(origin, host, loopback, port):
        return f"Origin {origin[:80]!r} is not this endpoint's; requests from web pages are refused"
    return None


def _names_this_machine(name: str, bound: str) -> bool:
    return is_loopback_host(name) or name.strip("[]").lower() == bound.strip("[]").lower()


def _own_origin(origin: str, host: str | None, loopback: bool, port: int) -> bool:
    try:
        parts = urlsplit(origin)
        origin_port = parts.port or 80
    except ValueError:
        return False
    if parts.scheme != "http" or parts.hostname is None:
        return False
    if loopback:
        return is_loopback_host(parts.hostname) and origin_port == port
    return host is not None and origin.lower() == f"http://{host}".lower()


def host_guard(bound: str, port: Callable[[], int]) -> Middleware:
    """The aiohttp middleware applying :func:`refusal`; ``port()`` gives the listening port."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        reason = refusal(
            host=request.headers.get("Host"),
            origin=request.headers.get("Origin"),
            bound=bound,
            port=port(),
        )
        if reason is not None:
            return web.Response(status=FORBIDDEN, text=f"headrace: {reason}\n")
        return await handler(request)

    return guard
