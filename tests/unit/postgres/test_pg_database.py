"""Opening a PostgreSQL storage handle: lazy imports, an unreachable server."""

from __future__ import annotations

import subprocess
import sys

import pytest

from headrace.errors import BrokerError
from headrace.postgres.pg_database import PgDatabase


def test_importing_the_backend_does_not_import_psycopg() -> None:
    """The base install has no psycopg: the modules import it only when connecting."""
    code = (
        "import sys, headrace.postgres.pg_state; "
        "assert not [m for m in sys.modules if m.startswith('psycopg')], sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_an_unreachable_server_is_a_clear_error_naming_storage() -> None:
    """No server at the address: BrokerError naming storage after the connect timeout,
    without the password."""
    pytest.importorskip("psycopg_pool")
    db = PgDatabase(
        "postgresql://someone:secret@127.0.0.1:1/test?connect_timeout=1", connect_timeout=0.5
    )
    with pytest.raises(BrokerError, match=r"^storage: cannot reach") as raised:
        await db.ready()
    assert "secret" not in str(raised.value)
    assert "127.0.0.1" in str(raised.value)
    await db.aclose()
