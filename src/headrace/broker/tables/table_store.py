"""The tables' rows in the streams file: table rows, items, and their schema.

Tables live in ``<data_dir>/streams.sqlite3`` beside the embedded streams, so an item write
and the append of its change record are one SQLite transaction (WAL, ``BEGIN IMMEDIATE``):
after a crash either both are there or neither. These tables are created, if missing, in
the first write transaction of a :class:`~headrace.broker.tables.table_broker.TableBroker`; their
version is kept apart from the streams' (``PRAGMA user_version``), so either side can add
to the file without the other.
"""

from __future__ import annotations

import sqlite3

import msgspec

from headrace.broker.tables.attribute_values import Item
from headrace.errors import BrokerError

# Bumped when these tables change incompatibly; a file with a newer version is refused.
TABLES_SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS dynamodb_schema (version INTEGER NOT NULL)",
    # created_at: epoch ms the table was first declared here; its stream label comes from it.
    # key_schema: the key attributes it was created with (DynamoDB cannot change them).
    """CREATE TABLE IF NOT EXISTS dynamodb_tables (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        key_schema TEXT NOT NULL
    )""",
    # key: the canonical key text (keys.py); item: the whole item in DynamoDB JSON.
    """CREATE TABLE IF NOT EXISTS dynamodb_items (
        table_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        item BLOB NOT NULL,
        PRIMARY KEY (table_id, key)
    )""",
)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Item)


def create_schema(conn: sqlite3.Connection, path: object) -> None:
    """Create the tables' schema if missing (inside a write transaction); refuse a newer one."""
    for statement in _SCHEMA:
        conn.execute(statement)
    row = conn.execute("SELECT version FROM dynamodb_schema").fetchone()
    if row is None:
        conn.execute("INSERT INTO dynamodb_schema (version) VALUES (?)", (TABLES_SCHEMA_VERSION,))
    elif row[0] > TABLES_SCHEMA_VERSION:
        raise BrokerError(
            f"{path} holds tables written by a newer headrace (schema {row[0]}); "
            "upgrade headrace or use another data_dir"
        )


def load_item(conn: sqlite3.Connection, table_id: int, key: str) -> Item | None:
    """The stored item with canonical key ``key``, or None."""
    row = conn.execute(
        "SELECT item FROM dynamodb_items WHERE table_id = ? AND key = ?", (table_id, key)
    ).fetchone()
    return None if row is None else _decoder.decode(row[0])


def save_item(conn: sqlite3.Connection, table_id: int, key: str, item: Item) -> None:
    """Store ``item`` under ``key``, replacing what was there."""
    conn.execute(
        "INSERT OR REPLACE INTO dynamodb_items (table_id, key, item) VALUES (?, ?, ?)",
        (table_id, key, _encoder.encode(item)),
    )


def delete_item(conn: sqlite3.Connection, table_id: int, key: str) -> None:
    """Forget the item under ``key`` (nothing happens if there is none)."""
    conn.execute("DELETE FROM dynamodb_items WHERE table_id = ? AND key = ?", (table_id, key))


def count_items(conn: sqlite3.Connection, table_id: int) -> int:
    """How many items a table holds (DescribeTable's ItemCount, exact here)."""
    (count,) = conn.execute(
        "SELECT COUNT(*) FROM dynamodb_items WHERE table_id = ?", (table_id,)
    ).fetchone()
    return int(count)


def partition_items(conn: sqlite3.Connection, table_id: int, prefix: str) -> list[Item]:
    """Every item whose canonical key starts with ``prefix`` (a range on the primary key)."""
    # Keys compare as UTF-8 bytes (BINARY collation): those starting with ``prefix`` lie
    # between it and it with its last character raised by one.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = conn.execute(
        "SELECT item FROM dynamodb_items WHERE table_id = ? AND key >= ? AND key < ?",
        (table_id, prefix, upper),
    )
    return [_decoder.decode(row[0]) for row in rows]


def items_after(
    conn: sqlite3.Connection, table_id: int, after: str | None, limit: int
) -> list[tuple[str, Item]]:
    """At most ``limit`` (key, item) pairs in key order, after ``after`` (None: the first)."""
    rows = conn.execute(
        "SELECT key, item FROM dynamodb_items WHERE table_id = ? AND key > ? ORDER BY key LIMIT ?",
        (table_id, after or "", limit),
    )
    return [(key, _decoder.decode(item)) for key, item in rows]
