"""PostgreSQL for the tests of headrace.postgres: each test gets a schema of its own.

The server is ``HEADRACE_TEST_POSTGRES`` (a libpq URL), by default the local one CI runs,
``postgresql://postgres@127.0.0.1:5432/test``. A missing server or psycopg skips these tests,
except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

POSTGRES_URL = os.environ.get("HEADRACE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """(server URL, a new empty schema ``hr_<random>``); dropped with its tables after the
    test, so tests never see each other's tables or rows."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
        raise  # unreachable: skip and fail raise
    schema = f"hr_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        _unavailable(f"no PostgreSQL at {POSTGRES_URL}: {error}")
        raise
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}".encode())
        try:
            yield POSTGRES_URL, schema
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@pytest.fixture
def pg_conninfo(pg_schema: tuple[str, str]) -> str:
    """A conninfo whose search_path is the test's own schema (see :func:`pg_schema`)."""
    from psycopg.conninfo import make_conninfo

    server, schema = pg_schema
    return make_conninfo(server, options=f"-c search_path={schema}")
