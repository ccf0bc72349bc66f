"""Queue rows on PostgreSQL: ids, CreatedTimestamp and the queues made at run time.

Declared queues get a row the first time any process sees them (``ON CONFLICT DO
NOTHING``, so processes starting together agree on one id). Queues made by CreateQueue
keep their attributes in ``created_attributes`` and are catalogued again at every open.
Every function runs inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from headrace.config.model import QueueConfig

if TYPE_CHECKING:
    import psycopg


def attributes_json(config: QueueConfig) -> str:
    """A created queue's attributes as kept in its row."""
    return json.dumps(config.to_aws(), sort_keys=True)


def ensure_rows(
    conn: psycopg.Connection[tuple[Any, ...]], configs: Mapping[str, QueueConfig], now_s: int
) -> dict[str, tuple[int, int]]:
    """Create missing rows of declared queues; each queue's (row id, created_at)."""
    names = list(configs)
    conn.execute(
        "INSERT INTO hr_queue (name, created_at) SELECT unnest(%s::text[]), %s "
        "ON CONFLICT (name) DO NOTHING",
        (names, now_s),
    )
    rows = conn.execute(
        "SELECT name, id, created_at FROM hr_queue WHERE name = ANY(%s)", (names,)
    ).fetchall()
    return {str(name): (int(id_), int(created)) for name, id_, created in rows}


def created_queues(
    conn: psycopg.Connection[tuple[Any, ...]], declared: Collection[str]
) -> dict[str, tuple[tuple[int, int], QueueConfig]]:
    """The queues made through CreateQueue and not declared: ((row id, created_at), config)."""
    rows = conn.execute(
        "SELECT name, id, created_at, created_attributes FROM hr_queue "
        "WHERE created_attributes IS NOT NULL ORDER BY id"
    ).fetchall()
    return {
        str(name): ((int(id_), int(created)), QueueConfig.from_aws(name, json.loads(attrs)))
        for name, id_, created, attrs in rows
        if name not in declared
    }


def save_row(
    conn: psycopg.Connection[tuple[Any, ...]], name: str, config: QueueConfig, now_s: int
) -> tuple[int, int]:
    """The row of a queue made by CreateQueue (made, or found if another process made it)."""
    row = conn.execute(
        "INSERT INTO hr_queue (name, created_at, created_attributes) VALUES (%s, %s, %s) "
        "ON CONFLICT (name) DO UPDATE SET created_attributes = "
        "coalesce(hr_queue.created_attributes, EXCLUDED.created_attributes) "
        "RETURNING id, created_at",
        (name, now_s, attributes_json(config)),
    ).fetchone()
    assert row is not None  # RETURNING of an upsert always gives the row
    return int(row[0]), int(row[1])


def delete_row(conn: psycopg.Connection[tuple[Any, ...]], queue_id: int) -> None:
    """DeleteQueue: the row, and by cascade its messages and deduplication window."""
    conn.execute("DELETE FROM hr_queue WHERE id = %s", (queue_id,))
