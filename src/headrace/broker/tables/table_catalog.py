"""The declared tables: their rows, change streams and labels, created on first sight.

Tables are declared by config, or created at run time (CreateTable on the endpoint): a
created table is remembered in ``created_tables`` and declared again at every open until
DeleteTable forgets it (the file's declaration wins for a name in both). The first time a
table is seen in a file its row is created with the current time, which becomes its
stream's label, so the stream ARN stays the same across restarts. A table's key schema
cannot change (as in DynamoDB): a file holding the table with other key attributes is
refused with a message saying what to do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from headrace import arn as arnlib
from headrace.broker.streams import stream_catalog as streams_catalog
from headrace.broker.streams.stream_catalog import Stream
from headrace.broker.tables.created_tables import CREATED_TABLES, load_created_tables
from headrace.broker.tables.keys import TableKeys
from headrace.broker.tables.naming import (
    stream_label,
    table_name,
    table_stream_arn,
    table_stream_config,
)
from headrace.broker.tables.records import StreamContext
from headrace.config.resources import TableConfig
from headrace.errors import BrokerError, ResourceInUseException, ResourceNotFoundException


@dataclass(frozen=True, slots=True)
class Table:
    """A declared table as the broker uses it; ``stream`` is None without a change stream."""

    id: int
    name: str
    arn: str
    config: TableConfig
    keys: TableKeys
    created_at: int  # epoch ms
    stream: Stream | None
    stream_context: StreamContext | None

    @property
    def stream_label(self) -> str:
        """DynamoDB's StreamLabel: the table's creation time."""
        return stream_label(self.created_at)


class TableCatalog:
    """The declared tables of one file, by name; creates their rows and streams on open."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        tables: Mapping[str, TableConfig],
        *,
        path: Path,
        region: str,
        account: str,
        now: int,
    ) -> None:
        self._region = region
        self._account = account
        self._path = path
        everything = {**created_tables(conn), **tables}
        stream_configs = {
            name: table_stream_config(config)
            for name, config in everything.items()
            if config.has_stream
        }
        self._streams = streams_catalog.Catalog(
            conn,
            {c.name: c for c in stream_configs.values()},
            region=region,
            account=account,
            now=now,
        )
        self._tables: dict[str, Table] = {}
        for name, config in everything.items():
            stream = (
                self._streams.get(stream_configs[name].name) if name in stream_configs else None
            )
            self._tables[name] = self._declare(conn, path, config, stream, now)

    def _declare(
        self,
        conn: sqlite3.Connection,
        path: Path,
        config: TableConfig,
        stream: Stream | None,
        now: int,
    ) -> Table:
        keys = TableKeys(config)
        row = conn.execute(
            "SELECT id, created_at, key_schema FROM dynamodb_tables WHERE name = ?",
            (config.name,),
        ).fetchone()
        if row is None:
            cursor = conn.execute(
                "INSERT INTO dynamodb_tables (name, created_at, key_schema) VALUES (?, ?, ?)",
                (config.name, now, keys.describe()),
            )
            assert cursor.lastrowid is not None
            table_id, created_at = cursor.lastrowid, now
        else:
            table_id, created_at, stored = row
            if stored != keys.describe():
                raise BrokerError(
                    f"table {config.name} in {path} was created with another KeySchema or "
                    "key AttributeDefinitions, which DynamoDB cannot change: restore them, "
                    "or use a new table name or data_dir"
                )
        context = None
        if stream is not None and config.stream_specification is not None:
            stream_arn = table_stream_arn(
                self._region, self._account, config.name, stream_label(created_at)
            )
            view_type = config.stream_specification.stream_view_type
            context = StreamContext(region=self._region, stream_arn=stream_arn, view_type=view_type)
        table_arn = arnlib.dynamodb_table(self._region, self._account, config.name)
        return Table(table_id, config.name, table_arn, config, keys, created_at, stream, context)

    def create(self, conn: sqlite3.Connection, config: TableConfig, now: int) -> Table:
        """CreateTable at run time: declare ``config`` and remember it until :meth:`forget`.

        ResourceInUseException (DynamoDB's text) if a table of that name is declared.
        """
        if config.name in self._tables:
            raise ResourceInUseException(f"Table already exists: {config.name}")
        stream = None
        if config.has_stream:
            stream_config = table_stream_config(config)
            stream = self._streams.declare(
                conn, stream_config.name, stream_config, now, remember=False
            )
        conn.execute(
            "INSERT OR REPLACE INTO created_tables (name, definition) VALUES (?, ?)",
            (config.name, json.dumps(config.to_aws())),
        )
        table = self._tables[config.name] = self._declare(conn, self._path, config, stream, now)
        return table

    def forget(self, conn: sqlite3.Connection, table: Table) -> None:
        """DeleteTable: the table's row, items and change stream go; a created table is not
        declared again at the next open (a declared one is, by its file)."""
        conn.execute("DELETE FROM dynamodb_items WHERE table_id = ?", (table.id,))
        conn.execute("DELETE FROM dynamodb_tables WHERE id = ?", (table.id,))
        conn.execute("DELETE FROM created_tables WHERE name = ?", (table.name,))
        if table.stream is not None:
            self._streams.forget(conn, table.stream)
        self._tables.pop(table.name, None)

    def names(self) -> list[str]:
        """The declared tables' names."""
        return list(self._tables)

    def configs(self) -> dict[str, TableConfig]:
        """Every declared table's config (the file's and those created at run time)."""
        return {name: table.config for name, table in self._tables.items()}

    def get(self, table: str) -> Table:
        """The declared table a name, table ARN or table-stream ARN names.

        Raises ResourceNotFoundException with DynamoDB's text for anything else, including
        an ARN of another region or account.
        """
        found = None
        try:
            name = table_name(table)
        except ValueError:
            name = table
        else:
            found = self._tables.get(name)
            if found is not None and table.startswith("arn:") and not self._is_local(table):
                found = None
        if found is None:
            raise ResourceNotFoundException(
                f"Requested resource not found: Table: {name} not found"
            )
        return found

    def _is_local(self, resource_arn: str) -> bool:
        parsed = arnlib.parse(resource_arn)
        return parsed is not None and (parsed.region, parsed.account) == (
            self._region,
            self._account,
        )


def created_tables(conn: sqlite3.Connection) -> dict[str, TableConfig]:
    """The tables CreateTable made in this file and DeleteTable has not forgotten."""
    conn.execute(CREATED_TABLES)
    return load_created_tables(conn)
