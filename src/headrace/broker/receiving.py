"""Receiving inside a write transaction: which messages a receive takes, and redrive.

Each function is one receive's SQL steps for :class:`~headrace.broker.queue_broker.QueueBroker`,
run inside the caller's transaction: a message already received maxReceiveCount times moves
to the dead-letter queue instead of being returned (§4.1.2); FIFO queues skip groups with a
message in flight (§4.1.7). They return the received rows and how many were moved.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from headrace.broker import fifo, sql
from headrace.broker.queue_api import check_visibility_timeout
from headrace.broker.queue_catalog import Queue
from headrace.events import QueueMessage


@dataclass(frozen=True, slots=True)
class Exchange:
    """What :meth:`QueueBroker.delete_and_receive` answers: per delete, per receive."""

    deleted: list[list[bool]]
    received: list[list[QueueMessage]]


def receive_standard(
    conn: sqlite3.Connection, q: Queue, now: int, limit: int, until: int
) -> tuple[list[sql.Row], int]:
    """Receive up to ``limit`` of a standard queue's visible messages, hidden until ``until``."""
    oldest = q.retention_start(now)
    moved = 0
    if q.dead_letter is not None:
        while True:
            count = sql.move_exhausted(
                conn,
                q.id,
                q.dead_letter.target,
                now=now,
                oldest=oldest,
                limit=limit,
                max_receive=q.dead_letter.max_receive_count,
            )
            moved += count
            if not count:
                break
    return sql.receive_next(conn, q.id, now, oldest, limit, until), moved


def receive_fifo(
    conn: sqlite3.Connection, q: Queue, now: int, limit: int, until: int
) -> tuple[list[sql.Row], int]:
    """Receive up to ``limit`` of a FIFO queue's messages, group order kept (§4.1.7)."""
    dead_letter = q.dead_letter
    chosen = fifo.select(
        conn,
        q.id,
        now=now,
        oldest=q.retention_start(now),
        limit=limit,
        max_receive=None if dead_letter is None else dead_letter.max_receive_count,
    )
    moved = 0
    if chosen.exhausted and dead_letter is not None:
        moved = sql.move_listed(conn, chosen.exhausted, dead_letter.target, now)
    if not chosen.take:
        return [], moved
    return sql.receive_listed(conn, chosen.take, now, until), moved


def share_out(rows: list[sql.Row], sizes: Sequence[int]) -> list[list[sql.Row]]:
    """Split received rows among receives of ``sizes``, oldest first, in request order."""
    rows.sort(key=itemgetter(0))
    shares, start = [], 0
    for size in sizes:
        shares.append(rows[start : start + max(size, 0)])
        start += max(size, 0)
    return shares


def visibility_for(q: Queue, visibility_timeout: int | None) -> int:
    """The visibility timeout a receive applies; SQS's error if the override is invalid."""
    if visibility_timeout is None:
        return q.config.visibility_timeout
    check_visibility_timeout(visibility_timeout)
    return visibility_timeout
