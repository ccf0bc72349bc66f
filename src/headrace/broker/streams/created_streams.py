"""The streams CreateStream made in a streams file, read without opening the stream broker.

The mapping control plane reads them to resolve a mapping's ``EventSourceArn`` (a stream
the API made is a source as a declared one is). The stream broker's catalog
(:mod:`~headrace.broker.streams.stream_catalog`) writes the rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from headrace.broker.sqlite_open import read_if_present
from headrace.config.resources import StreamConfig

# The catalog's table: one row per stream CreateStream made, declared again at every open
# until DeleteStream forgets it. Made by the catalog (not in the file's schema) so files
# written before it gain it on their next open.
CREATED_STREAMS = """CREATE TABLE IF NOT EXISTS created_streams (
    name TEXT PRIMARY KEY,
    shard_count INTEGER NOT NULL,
    retention_period_hours INTEGER NOT NULL
)"""


def load_created_streams(conn: sqlite3.Connection) -> dict[str, StreamConfig]:
    """The created streams of an open file (which has the table), by name."""
    rows = conn.execute(
        "SELECT name, shard_count, retention_period_hours FROM created_streams ORDER BY name"
    ).fetchall()
    return {
        name: StreamConfig(name=name, shard_count=shards, retention_period_hours=retention)
        for name, shards, retention in rows
    }


def read_created_streams(path: Path) -> dict[str, StreamConfig]:
    """The created streams of the streams file at ``path``; none if it or the table is
    missing. Reads only (the running stream broker may be writing: WAL readers wait for
    nothing)."""
    return read_if_present(path, "created_streams", load_created_streams, {})
