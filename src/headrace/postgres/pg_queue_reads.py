"""Reads of the PostgreSQL queue tables, each inside the caller's transaction.

Times are epoch milliseconds; ``oldest`` is the retention start (see
:meth:`~headrace.broker.queue_catalog.Queue.retention_start`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from headrace.postgres import pg_queue_schema as q_sql
from headrace.statistics import QueueDepth

if TYPE_CHECKING:
    import psycopg


def fifo_select(
    conn: psycopg.Connection[tuple[Any, ...]],
    queue_id: int,
    now: int,
    oldest: int,
    limit: int,
    max_receive: int | None,
) -> tuple[list[int], list[int]]:
    """As :func:`headrace.broker.fifo.select`: groups with a message in flight are skipped, a
    delayed message stops its group, exhausted heads are set aside to move (§4.1.7, §4.1.2).
    Returns (seqs to take, seqs to move)."""
    blocked = [str(g) for (g,) in conn.execute(q_sql.BLOCKED_GROUPS, (queue_id, now))]
    stopped = set(blocked)
    take: list[int] = []
    exhausted: list[int] = []
    for seq, group, visible_at, enqueued_at, count in conn.execute(
        q_sql.FIFO_CANDIDATES, (queue_id, blocked)
    ):
        if group in stopped or enqueued_at <= oldest:
            continue
        if visible_at > now:
            stopped.add(group)
        elif max_receive is not None and count >= max_receive:
            exhausted.append(int(seq))
        else:
            take.append(int(seq))
            if len(take) >= limit:
                break
    return take, exhausted


def depth(
    conn: psycopg.Connection[tuple[Any, ...]], queue_id: int, now: int, oldest: int
) -> QueueDepth:
    """Visible, in-flight and delayed counts of the unexpired messages."""
    row = conn.execute(q_sql.DEPTH, {"now": now, "queue": queue_id, "oldest": oldest}).fetchone()
    visible, in_flight, delayed = row if row is not None else (0, 0, 0)
    return QueueDepth(visible=int(visible), in_flight=int(in_flight), delayed=int(delayed))


def next_visible_at(
    conn: psycopg.Connection[tuple[Any, ...]], queue_id: int, now: int
) -> int | None:
    """When the next hidden message becomes visible (epoch ms), if any is hidden."""
    row = conn.execute(
        "SELECT min(visible_at) FROM hr_queue_message WHERE queue_id = %s AND visible_at > %s",
        (queue_id, now),
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def has_visible(
    conn: psycopg.Connection[tuple[Any, ...]], queue_id: int, now: int, oldest: int
) -> bool:
    """Whether an unexpired message is visible (to receive, or to move if exhausted)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM hr_queue_message WHERE queue_id = %s "
        "AND visible_at <= %s AND enqueued_at > %s)",
        (queue_id, now, oldest),
    ).fetchone()
    return bool(row and row[0])


def visible_in_send_order(
    conn: psycopg.Connection[tuple[Any, ...]],
    queue_id: int,
    now: int,
    oldest: int,
    limit: int | None,
) -> list[int]:
    """The visible messages' seqs in send order (up to ``limit``), locked, skipping rows
    another transaction holds."""
    rows = conn.execute(
        "SELECT seq FROM hr_queue_message WHERE queue_id = %s AND visible_at <= %s "
        "AND enqueued_at > %s ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
        (queue_id, now, oldest, limit),
    ).fetchall()
    return [int(seq) for (seq,) in rows]
