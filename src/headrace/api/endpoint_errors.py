"""The endpoint's errors, apart from :mod:`headrace.api.server` so that catching them does
not load the HTTP server (aiohttp): a run without an endpoint never imports it."""

from __future__ import annotations

from headrace.errors import HeadraceError


class EndpointUnavailable(HeadraceError):
    """The endpoint's address could not be bound (usually: the port is in use)."""


class EndpointUnguarded(EndpointUnavailable):
    """The endpoint would listen beyond loopback without credentials to check (exit 2)."""
