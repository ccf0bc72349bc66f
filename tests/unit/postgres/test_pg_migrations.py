"""Versioned schema migrations on PostgreSQL."""

from __future__ import annotations

import pytest

from headrace.errors import StorageSchemaTooNew
from headrace.postgres.pg_migrations import migrate

STEPS = (("CREATE TABLE t1 (a int)",), ("CREATE TABLE t2 (b int)",))


def test_migrate_applies_missing_steps_once_and_refuses_a_newer_schema(
    pg_schema: tuple[str, str],
) -> None:
    """Steps run once (a second open finds the version and runs nothing); a schema whose
    version is newer than the code knows raises StorageSchemaTooNew and is left as it is."""
    import psycopg

    url, schema = pg_schema
    with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
        assert migrate(conn, "demo", STEPS[:1]) == 0
        assert migrate(conn, "demo", STEPS) == 1
        assert migrate(conn, "demo", STEPS) == 2
        with pytest.raises(StorageSchemaTooNew) as raised:
            migrate(conn, "demo", STEPS[:1])
        assert (raised.value.found, raised.value.known) == (2, 1)
        row = conn.execute("SELECT version FROM hr_schema_version").fetchone()
        assert row == (2,)
