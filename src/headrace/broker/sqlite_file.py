"""One SQLite file shared between processes: pragmas, schema version and transactions.

The queue broker (``broker.sqlite3``), the embedded streams and tables (``streams.sqlite3``)
and the state stores (``state.sqlite3``) each keep their data in one such file. Opening one
runs under the data_dir's init lock (:mod:`headrace.broker.datadir`), so any number of
processes and threads may open a new data_dir at once; a missing file is created whole and a
truncated one refused (:mod:`headrace.broker.sqlite_open`). The file is in WAL mode, so one
process can write while others read; writes take the write lock up front (``BEGIN
IMMEDIATE``) and wait up to the busy timeout for another process. A lock inside serialises
this process's threads on its one connection.

Durability: ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a
killed process (the WAL is in the OS page cache); after a power loss or OS crash the last
transactions before it may be lost, never the file's consistency.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from headrace.broker.datadir import initialising
from headrace.broker.sqlite_open import open_shared
from headrace.errors import BrokerError

# How long a write waits for another process holding the write lock before failing. Long
# enough for any sane transaction of the other process, short enough to surface a stuck one.
BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class FileSchema:
    """What one kind of file holds and how its errors name it.

    ``statements`` run in order on a new file, inside the transaction that checks the
    version (not ``executescript``: it would commit that transaction and let two processes
    create the schema at once). ``version`` goes to ``PRAGMA user_version``; a file with a
    larger one is refused. ``label`` names the file in messages ("the embedded broker"), with
    ``plural`` choosing "are busy" over "is busy". ``snapshot_reads`` runs :meth:`SqliteFile.read`
    in a deferred transaction so all its statements see one snapshot; without it each
    statement of a read sees its own.
    """

    statements: tuple[str, ...]
    version: int
    label: str
    plural: bool = False
    snapshot_reads: bool = False


class SqliteFile:
    """One connection to a shared SQLite file, safe to share between threads.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened, is
    truncated, has a newer schema, another process holds the write lock (or the data_dir's
    init lock) past ``busy_timeout_s``, or a transaction cannot begin or commit.
    """

    def __init__(self, path: Path, schema: FileSchema, busy_timeout_s: float) -> None:
        self.path = path
        self._schema = schema
        self._lock = threading.Lock()
        try:
            with initialising(path.parent, busy_timeout_s) as known:
                self._conn = open_shared(path, busy_timeout_s, known)
                try:
                    self._create_schema()
                except BaseException:
                    self._conn.close()
                    raise
        except sqlite3.Error as exc:
            raise BrokerError(f"cannot open {schema.label} at {path}: {exc}") from exc

    def _create_schema(self) -> None:
        # An existing file is only read here: opening it never waits for another process's
        # write (`status` reads state.sqlite3 while a long write holds it). A new file's
        # schema is created under the write lock (and the init lock: nobody races us).
        (version,) = self._conn.execute("PRAGMA user_version").fetchone()
        if version == 0:
            with self.write() as conn:
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                if version == 0:
                    for statement in self._schema.statements:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={self._schema.version}")
                    version = self._schema.version
        if version > self._schema.version:
            raise BrokerError(
                f"{self.path} was written by a newer headrace (schema {version}); "
                "upgrade headrace or use another data_dir"
            )

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on exit, rolled back if the body raises."""
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads: in one snapshot if the schema asks for it (see FileSchema)."""
        if self._schema.snapshot_reads:
            with self._transaction("BEGIN") as conn:
                yield conn
        else:
            with self._lock:
                yield self._conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        label, are = self._schema.label, "are" if self._schema.plural else "is"
        with self._lock:
            try:
                self._conn.execute(begin)
            except sqlite3.OperationalError as exc:
                raise BrokerError(f"{label} at {self.path} {are} busy: {exc}") from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise BrokerError(f"{label} at {self.path} failed: {exc}") from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # A failed COMMIT may have ended the transaction already; nothing is left to undo then.
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection; later calls fail with ``sqlite3.ProgrammingError``."""
        with self._lock:
            self._conn.close()
