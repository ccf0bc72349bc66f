"""The tables CreateTable made in a streams file, read without opening the table broker.

The mapping control plane reads them to resolve a mapping's ``EventSourceArn`` (a table the
API made is a source as a declared one is) and must not load the stream and table brokers
in a run that has none: this module needs only SQLite. The table broker's catalog
(:mod:`~headrace.broker.tables.table_catalog`) writes the rows.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from headrace.broker.sqlite_open import read_if_present
from headrace.config.resources import TableConfig

# The catalog's table: one row per table CreateTable made, its CreateTable fields as JSON.
CREATED_TABLES = """CREATE TABLE IF NOT EXISTS created_tables (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL
)"""


def load_created_tables(conn: sqlite3.Connection) -> dict[str, TableConfig]:
    """The created tables of an open file (which has the table), by name."""
    rows = conn.execute("SELECT name, definition FROM created_tables ORDER BY name").fetchall()
    return {name: TableConfig.from_aws(name, json.loads(definition)) for name, definition in rows}


def read_created_tables(path: Path) -> dict[str, TableConfig]:
    """The created tables of the streams file at ``path``; none if it or the table is
    missing. Reads only (the file may be another process's, mid-write: WAL readers wait
    for nothing)."""
    return read_if_present(path, "created_tables", load_created_tables, {})
