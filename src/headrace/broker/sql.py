"""The queue broker's statements: each function is one step inside a caller's transaction.

Times are epoch milliseconds. ``oldest`` is the earliest ``enqueued_at`` still inside the
queue's retention period: anything enqueued at or before it has expired and is never
returned, counted or moved. Lists of message rows travel as one JSON parameter
(``json_each``), so a statement's text, and its cached plan, never depends on a batch size.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from headrace.broker.queue_results import PeekedMessage
from headrace.broker.queue_validation import Outgoing, decode_attributes
from headrace.events import QueueMessage
from headrace.statistics import QueueDepth

_json = msgspec.json.Encoder().encode
# A receipt handle is "<seq>-<receipt generation>"; both fit SQLite's 64-bit integers.
_HANDLE = re.compile(r"([0-9]{1,18})-([0-9]{1,18})")

Row = tuple[Any, ...]

# Columns RETURNING gives back for a received message, in to_message()'s order.
_RECEIVED = (
    "seq, message_id, body, md5_of_body, attributes, md5_of_attributes, sent_at, "
    "receive_count, first_receive_at, receipt, group_id, dedup_id, sequence_number"
)
_RECEIVE_SET = (
    "UPDATE messages SET visible_at = :until, receive_count = receive_count + 1, "
    "first_receive_at = coalesce(first_receive_at, :now), receipt = receipt + 1 "
)
# The first visible, unexpired messages of a queue, oldest visibility first (index order).
_NEXT_VISIBLE = (
    "SELECT seq FROM messages WHERE queue_id = :queue AND visible_at <= :now "
    "AND enqueued_at > :oldest ORDER BY visible_at LIMIT :limit"
)
_RECEIVE_NEXT = f"{_RECEIVE_SET} WHERE seq IN ({_NEXT_VISIBLE}) RETURNING {_RECEIVED}"
_RECEIVE_LISTED = (
    f"{_RECEIVE_SET} WHERE seq IN (SELECT value FROM json_each(:seqs)) RETURNING {_RECEIVED}"
)
# A move resets what a receive counts and invalidates the message's receipt handle. FIFO
# targets restart the retention period (SQS does so for FIFO dead-letter queues).
_MOVE_SET = (
    "UPDATE messages SET queue_id = :target, receive_count = 0, first_receive_at = NULL, "
    "receipt = receipt + 1, visible_at = :now, "
    "enqueued_at = CASE WHEN :restart THEN :now ELSE enqueued_at END "
)
_MOVE_EXHAUSTED = (
    f"{_MOVE_SET} WHERE seq IN (SELECT seq FROM ("
    f"SELECT seq, receive_count FROM messages WHERE queue_id = :queue AND visible_at <= :now "
    "AND enqueued_at > :oldest ORDER BY visible_at LIMIT :limit) "
    "WHERE receive_count >= :max_receive)"
)
_MOVE_LISTED = f"{_MOVE_SET} WHERE seq IN (SELECT value FROM json_each(:seqs))"
# '+queue_id' keeps SQLite on the primary key instead of scanning the queue's index range.
_CURRENT_RECEIPTS = (
    "SELECT seq, receipt, visible_at FROM messages "
    "WHERE seq IN (SELECT value FROM json_each(?)) AND +queue_id = ?"
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a move puts messages: the queue's row id and whether it is FIFO."""

    queue_id: int
    fifo: bool


def insert(
    conn: sqlite3.Connection,
    queue_id: int,
    message_id: str,
    message: Outgoing,
    now: int,
    sequence_number: str | None = None,
) -> None:
    """Enqueue one validated message, visible after its delay."""
    conn.execute(
        "INSERT INTO messages (queue_id, message_id, body, md5_of_body, attributes, "
        "md5_of_attributes, sent_at, enqueued_at, visible_at, group_id, dedup_id, "
        "sequence_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            queue_id,
            message_id,
            message.body,
            message.md5_of_body,
            message.attributes_blob,
            message.md5_of_message_attributes,
            now,
            now,
            now + message.delay_seconds * 1000,
            message.group_id,
            message.dedup_id,
            sequence_number,
        ),
    )


def receive_next(
    conn: sqlite3.Connection, queue_id: int, now: int, oldest: int, limit: int, until: int
) -> list[Row]:
    """Receive the first ``limit`` visible messages: hidden until ``until``, counted."""
    params = {"queue": queue_id, "now": now, "oldest": oldest, "limit": limit, "until": until}
    rows: list[Row] = conn.execute(_RECEIVE_NEXT, params).fetchall()
    return rows


def receive_listed(
    conn: sqlite3.Connection, seqs: Sequence[int], now: int, until: int
) -> list[Row]:
    """Receive exactly the messages ``seqs`` names (a FIFO selection)."""
    params = {"seqs": _json(seqs), "now": now, "until": until}
    rows: list[Row] = conn.execute(_RECEIVE_LISTED, params).fetchall()
    return rows


def move_exhausted(
    conn: sqlite3.Connection,
    queue_id: int,
    target: Target,
    *,
    now: int,
    oldest: int,
    limit: int,
    max_receive: int,
) -> int:
    """Move the exhausted messages among the first ``limit`` visible ones; return how many.

    Exhausted means received ``max_receive`` times already: SQS moves such a message to
    the dead-letter queue when a receive would otherwise return it.
    """
    params = {
        "queue": queue_id,
        "target": target.queue_id,
        "restart": target.fifo,
        "now": now,
        "oldest": oldest,
        "limit": limit,
        "max_receive": max_receive,
    }
    return conn.execute(_MOVE_EXHAUSTED, params).rowcount


def move_listed(conn: sqlite3.Connection, seqs: Sequence[int], target: Target, now: int) -> int:
    """Move the messages ``seqs`` names to ``target``, visible now; return how many."""
    params = {"seqs": _json(seqs), "target": target.queue_id, "restart": target.fifo, "now": now}
    return conn.execute(_MOVE_LISTED, params).rowcount


def current_handles(
    conn: sqlite3.Connection, queue_id: int, handles: Iterable[tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """For each message a handle names (in this queue): its current receipt and visible_at."""
    seqs = [seq for seq, _ in handles]
    rows = conn.execute(_CURRENT_RECEIPTS, (_json(seqs), queue_id))
    return {seq: (receipt, visible_at) for seq, receipt, visible_at in rows}


def match_handles(
    handles: Sequence[tuple[int, int] | None],
    current: dict[int, tuple[int, int]],
    now: int,
    in_flight_only: bool,
) -> tuple[list[bool], list[int]]:
    """Which handles are current (per handle), and the messages they name (each once).

    A handle is current when it names a message of the queue with the receipt generation
    it has now (and, if ``in_flight_only``, the message is still hidden). ``current`` is
    what :func:`current_handles` returned; a repeated handle counts once.
    """
    results: list[bool] = []
    chosen: list[int] = []
    remaining = dict(current)
    for handle in handles:
        state = None if handle is None else remaining.get(handle[0])
        ok = (
            handle is not None
            and state is not None
            and state[0] == handle[1]
            and (not in_flight_only or state[1] > now)
        )
        if ok and handle is not None:
            chosen.append(handle[0])
            del remaining[handle[0]]
        results.append(ok)
    return results, chosen


def delete_listed(conn: sqlite3.Connection, seqs: Sequence[int]) -> int:
    """Delete the messages ``seqs`` names; return how many."""
    return conn.execute(
        "DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?))", (_json(seqs),)
    ).rowcount


def hide_listed(conn: sqlite3.Connection, seqs: Sequence[int], until: int) -> None:
    """Set the messages ``seqs`` names visible again at ``until``."""
    conn.execute(
        "UPDATE messages SET visible_at = ? WHERE seq IN (SELECT value FROM json_each(?))",
        (until, _json(seqs)),
    )


def delete_expired(conn: sqlite3.Connection, queue_id: int, oldest: int) -> int:
    """Delete the queue's messages whose retention period has run out; return how many."""
    return conn.execute(
        "DELETE FROM messages WHERE queue_id = ? AND enqueued_at <= ?", (queue_id, oldest)
    ).rowcount


def depth(conn: sqlite3.Connection, queue_id: int, now: int, oldest: int) -> QueueDepth:
    """Visible, in-flight and delayed counts (one scan of the queue's covering index)."""
    visible, in_flight, delayed = conn.execute(
        "SELECT count(*) FILTER (WHERE visible_at <= :now), "
        "count(*) FILTER (WHERE visible_at > :now AND receive_count > 0), "
        "count(*) FILTER (WHERE visible_at > :now AND receive_count = 0) "
        "FROM messages WHERE queue_id = :queue AND enqueued_at > :oldest",
        {"queue": queue_id, "now": now, "oldest": oldest},
    ).fetchone()
    return QueueDepth(visible=visible, in_flight=in_flight, delayed=delayed)


def has_visible(conn: sqlite3.Connection, queue_id: int, now: int, oldest: int) -> bool:
    """Whether the queue has a visible, unexpired message (stops at the first one)."""
    return (
        conn.execute(
            "SELECT 1 FROM messages WHERE queue_id = ? AND visible_at <= ? AND enqueued_at > ? "
            "LIMIT 1",
            (queue_id, now, oldest),
        ).fetchone()
        is not None
    )


def next_visible_at(conn: sqlite3.Connection, queue_id: int, now: int) -> int | None:
    """When the next delayed or in-flight message becomes visible (epoch ms), if any."""
    row = conn.execute(
        "SELECT visible_at FROM messages WHERE queue_id = ? AND visible_at > ? "
        "ORDER BY visible_at LIMIT 1",
        (queue_id, now),
    ).fetchone()
    return None if row is None else int(row[0])


def visible_in_send_order(
    conn: sqlite3.Connection, queue_id: int, now: int, oldest: int, limit: int | None
) -> list[int]:
    """The queue's visible, unexpired messages, oldest first (at most ``limit``)."""
    rows = conn.execute(
        "SELECT seq FROM messages WHERE queue_id = ? AND visible_at <= ? AND enqueued_at > ? "
        "ORDER BY seq LIMIT ?",
        (queue_id, now, oldest, -1 if limit is None else limit),
    )
    return [seq for (seq,) in rows]


def peek(
    conn: sqlite3.Connection, queue_id: int, now: int, oldest: int, limit: int
) -> list[PeekedMessage]:
    """Up to ``limit`` unexpired messages in send order, read without receiving them."""
    rows = conn.execute(
        "SELECT message_id, body, sent_at, receive_count, visible_at, group_id, attributes "
        "FROM messages WHERE queue_id = ? AND enqueued_at > ? ORDER BY seq LIMIT ?",
        (queue_id, oldest, limit),
    )
    return [
        PeekedMessage(
            message_id=message_id,
            body=body,
            sent_timestamp=sent,
            receive_count=count,
            in_flight=count > 0 and visible_at > now,
            message_group_id=group,
            message_attributes=decode_attributes(blob),
        )
        for message_id, body, sent, count, visible_at, group, blob in rows
    ]


def to_message(row: Row, sender_id: str) -> QueueMessage:
    """A received row as the message SQS would return, attributes in SQS's order."""
    (seq, message_id, body, md5, blob, md5_attrs, sent, count, first, receipt) = row[:10]
    group_id, dedup_id, sequence_number = row[10:]
    attributes = {
        "ApproximateReceiveCount": str(count),
        "SentTimestamp": str(sent),
        "SenderId": sender_id,
        "ApproximateFirstReceiveTimestamp": str(first),
    }
    if sequence_number is not None:
        attributes["SequenceNumber"] = str(sequence_number)
    if group_id is not None:
        attributes["MessageGroupId"] = str(group_id)
    if dedup_id is not None:
        attributes["MessageDeduplicationId"] = str(dedup_id)
    return QueueMessage(
        message_id=str(message_id),
        receipt_handle=f"{seq}-{receipt}",
        body=str(body),
        md5_of_body=str(md5),
        attributes=attributes,
        message_attributes=decode_attributes(blob),
        md5_of_message_attributes=None if md5_attrs is None else str(md5_attrs),
    )


def parse_handle(handle: str) -> tuple[int, int] | None:
    """The (seq, receipt generation) a receipt handle names, or None if it is malformed."""
    match = _HANDLE.fullmatch(handle)
    return None if match is None else (int(match.group(1)), int(match.group(2)))
