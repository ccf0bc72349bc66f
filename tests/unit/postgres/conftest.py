"""A PostgreSQL server for the storage tests: each test gets a schema of its own.

The server is ``HEADRACE_TEST_POSTGRES`` (a libpq URL), by default the local one CI runs,
``postgresql://postgres@127.0.0.1:5432/test``. A test asking for ``pg_conninfo`` skips when
psycopg or the server is missing, except in CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_conninfo() -> Iterator[str]:
    """A conninfo whose search_path is a new, empty schema ``hr_<random>``, dropped after the
    test, so tests never see each other's tables or rows."""
    try:
        import psycopg
        from psycopg.conninfo import make_conninfo
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
        raise  # unreachable: skip and fail raise
    server = os.environ.get("HEADRACE_TEST_POSTGRES", DEFAULT_SERVER)
    schema = f"hr_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        _unavailable(f"no PostgreSQL server at {server}: {exc}")
        raise
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield make_conninfo(server, options=f"-c search_path={schema}")
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
