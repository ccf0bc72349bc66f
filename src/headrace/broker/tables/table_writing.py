"""Writing items: each write and its change record in one transaction, and ReturnValues.

:func:`apply_writes` runs inside the caller's write transaction. For each request it reads
the stored item, works out the new one, stores it (or deletes it) and, if that changed
anything, appends the change record to the table's stream — routed by the MD5 of the
canonical key, so one item's records stay in one shard, in write order (§5.2). A write that
changes nothing writes no record, as DynamoDB Streams writes none.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from headrace.broker.streams.hashing import partition_key_hash
from headrace.broker.streams.stream_results import PutResult
from headrace.broker.streams.stream_writing import Outgoing, Writer
from headrace.broker.tables import table_store
from headrace.broker.tables.attribute_values import Item
from headrace.broker.tables.records import Change, StreamContext, encode_change_record
from headrace.broker.tables.table_catalog import Table
from headrace.errors import ValidationException

# ReturnValues, in the order DynamoDB's enum message lists them.
RETURN_VALUES = ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
# What PutItem and DeleteItem accept; UpdateItem takes them all.
PUT_DELETE_RETURN_VALUES = ("NONE", "ALL_OLD")

# Works out the item after a write from the stored one (None: absent / deleted).
Compute = Callable[[Item | None], Item | None]


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """One item write: its key (checked, canonical text) and how the new item is made."""

    canonical_key: str
    keys: Item
    compute: Compute


@dataclass(frozen=True, slots=True)
class Applied:
    """What one write did: the item before and after, and its change record's number."""

    old: Item | None
    new: Item | None
    event_name: str | None  # None: nothing changed, no record
    sequence_number: str | None


class ItemStore(Protocol):
    """Where a transaction reads and writes one table's items (by canonical key)."""

    def load(self, key: str) -> Item | None: ...
    def save(self, key: str, item: Item) -> None: ...
    def delete(self, key: str) -> None: ...


# Appends change records to the table's stream inside the same transaction.
AppendRecords = Callable[[list[Outgoing]], list[PutResult]]


@dataclass(frozen=True, slots=True)
class _SqliteItems:
    conn: sqlite3.Connection
    table_id: int

    def load(self, key: str) -> Item | None:
        return table_store.load_item(self.conn, self.table_id, key)

    def save(self, key: str, item: Item) -> None:
        table_store.save_item(self.conn, self.table_id, key, item)

    def delete(self, key: str) -> None:
        table_store.delete_item(self.conn, self.table_id, key)


def apply_writes(
    conn: sqlite3.Connection,
    writer: Writer,
    table: Table,
    requests: Sequence[WriteRequest],
    now: int,
) -> list[Applied]:
    """Apply ``requests`` in order inside the caller's write transaction (see module doc)."""
    stream = table.stream

    def append(outgoing: list[Outgoing]) -> list[PutResult]:
        assert stream is not None  # apply_changes appends only for a table with a stream
        return writer.put_in(conn, stream, outgoing, now)

    return apply_changes(_SqliteItems(conn, table.id), append, table, requests, now)


def apply_changes(
    items: ItemStore,
    append: AppendRecords,
    table: Table,
    requests: Sequence[WriteRequest],
    now: int,
) -> list[Applied]:
    """Apply ``requests`` in order to ``items``, appending the change records (any store)."""
    changes: list[tuple[int, Change, str]] = []
    applied: list[Applied] = []
    for request in requests:
        old = items.load(request.canonical_key)
        new = request.compute(old)
        if new == old:
            applied.append(Applied(old, new, None, None))
            continue
        if new is None:
            items.delete(request.canonical_key)
        else:
            items.save(request.canonical_key, new)
        change = Change(keys=request.keys, old=old, new=new)
        applied.append(Applied(old, new, change.event_name, None))
        changes.append((len(applied) - 1, change, request.canonical_key))
    if table.stream is None or table.stream_context is None or not changes:
        return applied
    outgoing = [
        Outgoing(_renderer(change, table.stream_context, now), key, partition_key_hash(key))
        for _, change, key in changes
    ]
    results = append(outgoing)
    for (index, _, _), result in zip(changes, results, strict=True):
        done = applied[index]
        applied[index] = Applied(done.old, done.new, done.event_name, result.sequence_number)
    return applied


def _renderer(change: Change, context: StreamContext, now: int) -> Callable[[str], bytes]:
    def render(sequence_number: str) -> bytes:
        return encode_change_record(
            change, context, created_at=now / 1000, sequence_number=sequence_number
        )

    return render


def check_return_values(value: str, allowed: Sequence[str]) -> None:
    """ReturnValues must be one of DynamoDB's, and one the operation accepts."""
    if value not in RETURN_VALUES:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at 'returnValues' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(RETURN_VALUES)}]"
        )
    if value not in allowed:
        raise ValidationException("Return values set to invalid value")


def returned_attributes(return_values: str, applied: Applied) -> Item | None:
    """ALL_OLD / ALL_NEW: the whole item before / after (None when there is none).

    UPDATED_OLD / UPDATED_NEW project the updated paths (``table_api``).
    """
    source = {"ALL_OLD": applied.old, "ALL_NEW": applied.new}.get(return_values)
    return source or None
