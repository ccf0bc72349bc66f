"""Stream checkpoints in ``<data_dir>/state.sqlite3``, blocking (sqlite_state.py runs them).

One row per (mapping UUID, shard id) holds the sequence number of the last settled record
(or ``SHARD_END`` / ``TRIM_HORIZON``); one row per mapping says it has started. Every
:meth:`SqliteCheckpointStore.save` is one small transaction, so a restart resumes exactly
where the last settled batch ended (§7.3-7.4), and several mappings on one stream each keep
their own positions (§5.4).

Table ``stream_retries`` keeps, per (mapping UUID, shard id), the shard's batches waiting
for a retry (:class:`~headrace.state.state_seam.RetryState`, a JSON list), written in the same
transaction as the positions and only when a batch fails or a failed one settles: a
restart does not give a failing batch a fresh MaximumRetryAttempts (§4.2.4). A file an older
headrace made before the table existed gets it on open (state/state_file.py).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from headrace.state.sqlite_leases import check_lease
from headrace.state.state_file import StateFile, open_state_file
from headrace.state.state_seam import Lease, MappingCheckpoints, RetryState


class SqliteCheckpointStore:
    """Checkpoints in SQLite (WAL), safe to use from any thread.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened (or is
    truncated, or newer) or a save fails (then nothing of it is stored).
    """

    def __init__(self, path: Path, *, db: StateFile | None = None) -> None:
        # ``db``: share an open state file (the SQLite backend's leases live in it too, so a
        # fenced save checks the lease in its own transaction); then closing is the owner's.
        self._owned = db is None
        self._db = open_state_file(path) if db is None else db

    def load(self, mapping_uuid: str) -> MappingCheckpoints:
        """The stored positions of one mapping (empty and not started if it never ran)."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT shard_id, position FROM stream_checkpoints WHERE mapping_uuid = ?",
                (mapping_uuid,),
            ).fetchall()
            started = conn.execute(
                "SELECT 1 FROM stream_mappings WHERE mapping_uuid = ?", (mapping_uuid,)
            ).fetchone()
            retries = conn.execute(
                "SELECT shard_id, batches FROM stream_retries WHERE mapping_uuid = ?",
                (mapping_uuid,),
            ).fetchall()
        return MappingCheckpoints(
            started is not None,
            {shard: pos for shard, pos in rows},
            {shard: _decode_retries(text) for shard, text in retries},
        )

    def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        """Store ``positions`` (and ``retrying``, per shard), mark the mapping started: one
        transaction; with ``lease``, only while it is current (else
        :class:`~headrace.errors.LeaseLost`, nothing stored)."""
        now = time.time()
        rows = [(mapping_uuid, shard, pos, now) for shard, pos in positions.items()]
        with self._db.write() as conn:
            if lease is not None:
                check_lease(conn, lease)  # in the write's transaction: a fence, not a hint
            conn.execute(
                "INSERT OR IGNORE INTO stream_mappings (mapping_uuid, started_at) VALUES (?, ?)",
                (mapping_uuid, now),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO stream_checkpoints "
                "(mapping_uuid, shard_id, position, updated_at) VALUES (?, ?, ?, ?)",
                rows,
            )
            if retrying:
                _save_retries(conn, mapping_uuid, retrying)

    def close(self) -> None:
        if self._owned:
            self._db.close()


def _save_retries(
    conn: sqlite3.Connection, mapping_uuid: str, retrying: Mapping[str, Sequence[RetryState]]
) -> None:
    for shard, states in retrying.items():
        if states:
            conn.execute(
                "INSERT OR REPLACE INTO stream_retries (mapping_uuid, shard_id, batches) "
                "VALUES (?, ?, ?)",
                (mapping_uuid, shard, _encode_retries(states)),
            )
        else:
            conn.execute(
                "DELETE FROM stream_retries WHERE mapping_uuid = ? AND shard_id = ?",
                (mapping_uuid, shard),
            )


def _encode_retries(states: Sequence[RetryState]) -> str:
    return json.dumps([dataclasses.astuple(state) for state in states])


def _decode_retries(text: str) -> tuple[RetryState, ...]:
    return tuple(RetryState(*fields) for fields in json.loads(text))
