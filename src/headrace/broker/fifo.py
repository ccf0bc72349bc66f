"""FIFO queues: which messages a receive may hand out, deduplication and sequence numbers.

A receive hands out messages of a group only while no message of that group is in flight,
and only consecutive messages from the group's head, in send order (§4.1.7). Several
groups may share one receive. A group's message that is still delayed stops the group
there. Deduplication is per queue over a 5-minute window from the first send.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import msgspec

# SQS's deduplication interval: a repeated deduplication id within it enqueues nothing.
DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000
# SQS sequence numbers are decimal strings; headrace pads its counter to a fixed width so
# they also sort as strings.
SEQUENCE_NUMBER_DIGITS = 20

_json = msgspec.json.Encoder().encode

# Groups with a message in flight: received (receive_count > 0) and not yet visible again.
_BLOCKED_GROUPS = (
    "SELECT DISTINCT group_id FROM messages "
    "WHERE queue_id = ? AND visible_at > ? AND receive_count > 0"
)
# Every message of the other groups, in send order, through the FIFO-only partial index.
_CANDIDATES = (
    "SELECT seq, group_id, visible_at, enqueued_at, receive_count FROM messages "
    "WHERE queue_id = ? AND sequence_number IS NOT NULL "
    "AND group_id NOT IN (SELECT value FROM json_each(?)) ORDER BY seq"
)


@dataclass(slots=True)
class FifoSelection:
    """What a FIFO receive takes (``take``) and moves to the dead-letter queue (``exhausted``)."""

    take: list[int] = field(default_factory=list)
    exhausted: list[int] = field(default_factory=list)


def select(
    conn: sqlite3.Connection,
    queue_id: int,
    *,
    now: int,
    oldest: int,
    limit: int,
    max_receive: int | None,
) -> FifoSelection:
    """Choose up to ``limit`` messages to hand out, and the exhausted heads to move first.

    Walks the queue in send order, skipping groups with a message in flight in SQL. Cost
    grows with the messages of blocked groups that lie before the chosen ones.
    """
    blocked = [g for (g,) in conn.execute(_BLOCKED_GROUPS, (queue_id, now))]
    chosen = FifoSelection()
    stopped: set[str] = set()
    for seq, group, visible_at, enqueued_at, count in conn.execute(
        _CANDIDATES, (queue_id, _json(blocked))
    ):
        if group in stopped or enqueued_at <= oldest:
            continue  # an expired message is as good as deleted
        if visible_at > now:
            stopped.add(group)  # still delayed: nothing after it in its group may go
        elif max_receive is not None and count >= max_receive:
            chosen.exhausted.append(seq)  # moved instead of returned; the next one may go
        else:
            chosen.take.append(seq)
            if len(chosen.take) >= limit:
                break
    return chosen


def find_duplicate(
    conn: sqlite3.Connection, queue_id: int, dedup_id: str, now: int
) -> tuple[str, str] | None:
    """The (message id, sequence number) first sent with ``dedup_id`` inside the window."""
    row = conn.execute(
        "SELECT message_id, sequence_number FROM dedup "
        "WHERE queue_id = ? AND dedup_id = ? AND expires_at > ?",
        (queue_id, dedup_id, now),
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def remember(
    conn: sqlite3.Connection,
    queue_id: int,
    dedup_id: str,
    message_id: str,
    sequence_number: str,
    now: int,
) -> None:
    """Open the deduplication window of ``dedup_id`` (replacing an expired one)."""
    conn.execute(
        "INSERT OR REPLACE INTO dedup (queue_id, dedup_id, message_id, sequence_number, "
        "expires_at) VALUES (?, ?, ?, ?, ?)",
        (queue_id, dedup_id, message_id, sequence_number, now + DEDUPLICATION_WINDOW_MS),
    )


def next_sequence_number(conn: sqlite3.Connection, queue_id: int) -> str:
    """The queue's next sequence number: increasing, zero-padded to 20 digits."""
    (number,) = conn.execute(
        "UPDATE queues SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence",
        (queue_id,),
    ).fetchone()
    return f"{number:0{SEQUENCE_NUMBER_DIGITS}d}"


def forget_expired(conn: sqlite3.Connection, queue_id: int, now: int) -> None:
    """Drop the queue's closed deduplication windows."""
    conn.execute("DELETE FROM dedup WHERE queue_id = ? AND expires_at <= ?", (queue_id, now))
