"""The embedded tables: DynamoDB item writes with DynamoDB Streams change records.

:class:`TableBroker` is synchronous and thread-safe, and several processes may open the same
file at once (``headrace table put`` writing while ``headrace run`` reads the change
streams). Values are DynamoDB JSON (``{"S": "x"}``); :mod:`~headrace.broker.tables.plain`
converts plain Python/JSON values. Deliberate differences from DynamoDB are listed in
``docs/tables.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from headrace.broker.streams import shard_scans
from headrace.broker.streams.stream_store import Database
from headrace.broker.streams.stream_writing import Writer
from headrace.broker.sweep import PeriodicSweep
from headrace.broker.tables import table_store
from headrace.broker.tables.attribute_values import Item
from headrace.broker.tables.table_api import MAX_BATCH_WRITE_ITEMS, TableApi, TableCounters
from headrace.broker.tables.table_catalog import Table, TableCatalog
from headrace.broker.tables.table_results import TableSummary
from headrace.broker.tables.table_writing import Applied, WriteRequest, apply_writes
from headrace.broker.wake import Notifier
from headrace.clock import Clock, SystemClock
from headrace.config.resources import TableConfig

__all__ = ["MAX_BATCH_WRITE_ITEMS", "TableBroker"]

# How often (clock time) expired change records are deleted; they are never read after
# they expire, this only frees space.
SWEEP_INTERVAL_MS = 60_000


class TableBroker(TableApi):
    """The declared tables of one file, with DynamoDB's item semantics and change streams.

    ``tables`` maps table names to their config; rows and change streams are created when
    the broker opens (the first time, the creation time becomes the stream label).
    ``notify`` is called with a table's stream ARN after every committed write that wrote a
    change record; by default it wakes the ``headrace run`` listening on ``path``'s folder.
    Errors are DynamoDB's (ValidationException, ResourceNotFoundException); storage failures
    are :class:`~headrace.errors.BrokerError`.
    """

    def __init__(
        self,
        path: Path,
        tables: Mapping[str, TableConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self._notify = Notifier(path.parent, notify)
        self._clock = clock or SystemClock()
        self._counters = TableCounters()
        self._sweep = PeriodicSweep(self.trim, SWEEP_INTERVAL_MS)
        self._db = Database(path)
        try:
            with self._db.write() as conn:
                table_store.create_schema(conn, path)
                self._catalog = TableCatalog(
                    conn, tables, path=path, region=region, account=account, now=self._now()
                )
        except BaseException:
            self.close()  # a refused file (newer schema, changed key schema) leaks nothing
            raise
        self._writer = Writer(self._db)

    def _now(self) -> int:
        return int(self._clock.time() * 1000)

    def _load(self, table: Table, canonical_key: str) -> Item | None:
        with self._db.read() as conn:
            return table_store.load_item(conn, table.id, canonical_key)

    def _count(self, table: Table) -> int:
        with self._db.read() as conn:
            return table_store.count_items(conn, table.id)

    def _partition(self, table: Table, prefix: str) -> list[Item]:
        with self._db.read() as conn:
            return table_store.partition_items(conn, table.id, prefix)

    def _scan_after(self, table: Table, after: str | None, limit: int) -> list[tuple[str, Item]]:
        with self._db.read() as conn:
            return table_store.items_after(conn, table.id, after, limit)

    def _write(self, table: Table, requests: list[WriteRequest]) -> list[Applied]:
        now = self._now()
        with self._db.write() as conn:
            applied = apply_writes(conn, self._writer, table, requests, now)
        records = sum(1 for a in applied if a.sequence_number is not None)
        self._counters.unchanged_writes += sum(1 for a in applied if a.event_name is None)
        self._counters.change_records += records
        if records and table.stream_context is not None:
            self._notify(table.stream_context.stream_arn)
        self._sweep.after_write(now)
        return applied

    # -- tables -----------------------------------------------------------------------

    def create_table(self, config: TableConfig) -> TableSummary:
        """CreateTable at run time: the table (and its change stream, if ``config`` has a
        StreamSpecification) is kept in the file until :meth:`delete_table`; every broker
        opened on the file later declares it too. ResourceInUseException if it exists."""
        with self._db.write() as conn:
            self._catalog.create(conn, config, self._now())
        return self.describe_table(config.name)

    def delete_table(self, table: str) -> TableSummary:
        """DeleteTable, done at once: the table (name or ARN), its items and change stream
        go; a table the file declares comes back at the next open. Returns its last
        description. ResourceNotFoundException if there is no such table."""
        summary = self.describe_table(table)
        found = self._catalog.get(table)
        with self._db.write() as conn:
            self._catalog.forget(conn, found)
        if found.stream_context is not None:
            self._notify(found.stream_context.stream_arn)
        return summary

    def table_configs(self) -> dict[str, TableConfig]:
        """Every table of the file: the declared ones and those CreateTable made."""
        return self._catalog.configs()

    # -- housekeeping -----------------------------------------------------------------

    def trim(self, now: float | None = None) -> int:
        """Delete change records older than 24 hours; return how many (epoch-second ``now``)."""
        millis = self._now() if now is None else int(now * 1000)
        deleted = 0
        with self._db.write() as conn:
            for name in self._catalog.names():
                stream = self._catalog.get(name).stream
                if stream is not None:
                    deleted += shard_scans.trim(conn, stream, millis).records
        self._counters.records_trimmed += deleted
        return deleted

    def close(self) -> None:
        """Close the file (and the wake-up socket)."""
        self._db.close()
        self._notify.close()
