"""The queue tables on PostgreSQL and the statements that do not fit one call site.

Times are epoch milliseconds from the storage's clock (never the server's), so a fake clock
drives visibility, delays and deduplication exactly as in the SQLite broker. Columns match
the SQLite broker's ``messages`` so rows go through :func:`headrace.broker.sql.to_message`.
"""

from __future__ import annotations

# Migration steps of the ``queue`` component: step i makes version i + 1. Never edit a
# released step; append a new one.
QUEUE_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE hr_queue (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, "
        "created_at bigint NOT NULL, last_sequence bigint NOT NULL DEFAULT 0, "
        "created_attributes text)",
        "CREATE TABLE hr_queue_message (seq bigserial PRIMARY KEY, "
        "queue_id bigint NOT NULL REFERENCES hr_queue (id) ON DELETE CASCADE, "
        "message_id text NOT NULL, body text NOT NULL, md5_of_body text NOT NULL, "
        "attributes bytea, md5_of_attributes text, sent_at bigint NOT NULL, "
        "enqueued_at bigint NOT NULL, visible_at bigint NOT NULL, "
        "receive_count integer NOT NULL DEFAULT 0, first_receive_at bigint, "
        "receipt bigint NOT NULL DEFAULT 0, group_id text, dedup_id text, "
        "sequence_number text)",
        "CREATE INDEX hr_queue_message_visible ON hr_queue_message (queue_id, visible_at, seq)",
        "CREATE INDEX hr_queue_message_order ON hr_queue_message (queue_id, seq)",
        "CREATE TABLE hr_queue_dedup (queue_id bigint NOT NULL "
        "REFERENCES hr_queue (id) ON DELETE CASCADE, dedup_id text NOT NULL, "
        "message_id text NOT NULL, sequence_number text NOT NULL, "
        "expires_at bigint NOT NULL, PRIMARY KEY (queue_id, dedup_id))",
    ),
)

# Columns of a received message, in headrace.broker.sql.to_message()'s order.
RECEIVED = (
    "seq, message_id, body, md5_of_body, attributes, md5_of_attributes, sent_at, "
    "receive_count, first_receive_at, receipt, group_id, dedup_id, sequence_number"
)

INSERT_MESSAGE = (
    "INSERT INTO hr_queue_message (queue_id, message_id, body, md5_of_body, attributes, "
    "md5_of_attributes, sent_at, enqueued_at, visible_at, group_id, dedup_id, "
    "sequence_number) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)

# Standard queues: the first visible, unexpired messages no other transaction holds.
CLAIM_VISIBLE = (
    "SELECT seq, receive_count FROM hr_queue_message WHERE queue_id = %s "
    "AND visible_at <= %s AND enqueued_at > %s AND NOT (seq = ANY(%s)) "
    "ORDER BY visible_at, seq LIMIT %s "
    "FOR UPDATE SKIP LOCKED"
)

RECEIVE_LISTED = (
    "UPDATE hr_queue_message SET visible_at = %s, receive_count = receive_count + 1, "
    "first_receive_at = coalesce(first_receive_at, %s), receipt = receipt + 1 "
    f"WHERE seq = ANY(%s) RETURNING {RECEIVED}"
)

# A move resets what a receive counts and makes old receipt handles stale; FIFO targets
# restart the retention period (as the SQLite broker does).
MOVE_LISTED = (
    "UPDATE hr_queue_message SET queue_id = %s, receive_count = 0, first_receive_at = NULL, "
    "receipt = receipt + 1, visible_at = %s, "
    "enqueued_at = CASE WHEN %s THEN %s ELSE enqueued_at END WHERE seq = ANY(%s)"
)

# FIFO: groups with a message in flight, then every other message in send order.
BLOCKED_GROUPS = (
    "SELECT DISTINCT group_id FROM hr_queue_message "
    "WHERE queue_id = %s AND visible_at > %s AND receive_count > 0"
)
FIFO_CANDIDATES = (
    "SELECT seq, group_id, visible_at, enqueued_at, receive_count FROM hr_queue_message "
    "WHERE queue_id = %s AND NOT (group_id = ANY(%s)) ORDER BY seq"
)

CURRENT_RECEIPTS = (
    "SELECT seq, receipt, visible_at FROM hr_queue_message "
    "WHERE seq = ANY(%s) AND queue_id = %s FOR UPDATE"
)

DEPTH = (
    "SELECT count(*) FILTER (WHERE visible_at <= %(now)s), "
    "count(*) FILTER (WHERE visible_at > %(now)s AND receive_count > 0), "
    "count(*) FILTER (WHERE visible_at > %(now)s AND receive_count = 0) "
    "FROM hr_queue_message WHERE queue_id = %(queue)s AND enqueued_at > %(oldest)s"
)

PEEK = (
    "SELECT message_id, body, sent_at, receive_count, visible_at, group_id, attributes "
    "FROM hr_queue_message WHERE queue_id = %s AND enqueued_at > %s ORDER BY seq LIMIT %s"
)
