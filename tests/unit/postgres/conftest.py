"""PostgreSQL for the tests of headrace.postgres: a fresh schema per test, dropped after.

The server is ``HEADRACE_TEST_POSTGRES`` (default: database ``test`` on 127.0.0.1:5432).
A missing server or psycopg skips these tests, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_URL = os.environ.get("HEADRACE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """(server URL, a new empty schema name); the schema and its tables are dropped after."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
        raise
    schema = f"hr_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        _unavailable(f"no PostgreSQL at {POSTGRES_URL}: {error}")
        raise
    with conn:
        conn.execute(f"CREATE SCHEMA {schema}".encode())
        try:
            yield POSTGRES_URL, schema
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
