"""Retry states in state.sqlite3 beside the checkpoints (issue 8, §4.2.4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from headrace.esm.streams.checkpointing import CheckpointWriter
from headrace.state.checkpoints import SqliteCheckpointStore
from headrace.state.memory_state import memory_checkpoints
from headrace.state.state_seam import RetryState

SHARD = "shardId-000000000000"
OTHER = "shardId-000000000001"
# The schema of a state.sqlite3 written before retry states were kept.
OLD_SCHEMA = """
CREATE TABLE stream_checkpoints (
    mapping_uuid TEXT NOT NULL, shard_id TEXT NOT NULL, position TEXT NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (mapping_uuid, shard_id)
) WITHOUT ROWID;
CREATE TABLE stream_mappings (mapping_uuid TEXT PRIMARY KEY, started_at REAL NOT NULL);
INSERT INTO stream_checkpoints VALUES ('uuid-1', 'shardId-000000000000', '49007', 0);
INSERT INTO stream_mappings VALUES ('uuid-1', 0);
"""


def test_retry_states_survive_reopening_and_are_replaced_per_shard(tmp_path: Path) -> None:
    """A shard's retry states are stored with its checkpoint; a later save replaces them."""
    store = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    a = RetryState("49008", "49010", 2, 1, "req-2")
    b = RetryState("49020", "49020", 1, 1, None)
    store.save("uuid-1", {SHARD: "49007"}, {SHARD: (a,), OTHER: (b,)})
    store.save("uuid-1", {SHARD: "49007"}, {SHARD: (RetryState("49008", "49010", 3, 2),)})
    store.close()
    reopened = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    loaded = reopened.load("uuid-1")
    assert dict(loaded.retrying) == {SHARD: (RetryState("49008", "49010", 3, 2),), OTHER: (b,)}
    reopened.save("uuid-1", {}, {SHARD: ()})
    assert dict(reopened.load("uuid-1").retrying) == {OTHER: (b,)}
    reopened.close()


def test_a_state_file_from_before_retry_states_is_migrated(tmp_path: Path) -> None:
    """An existing state.sqlite3 keeps its checkpoints and gains the retry states' table."""
    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    old.close()
    store = SqliteCheckpointStore(path)
    loaded = store.load("uuid-1")
    assert (loaded.started, dict(loaded.positions), dict(loaded.retrying)) == (
        True,
        {SHARD: "49007"},
        {},
    )
    store.save("uuid-1", {}, {SHARD: (RetryState("49008", "49008", 1, 1),)})
    assert dict(store.load("uuid-1").retrying) == {SHARD: (RetryState("49008", "49008", 1, 1),)}
    store.close()


async def test_the_writer_stores_retry_states_with_the_checkpoint() -> None:
    """A failure's retry states and a checkpoint share one transaction."""
    store = memory_checkpoints()
    writer = CheckpointWriter(store, "uuid-1")
    writer.update(SHARD, "49007")
    writer.update_retrying(SHARD, (RetryState("49008", "49009", 1, 1),))
    await writer.flush()
    assert store.saves == 1
    loaded = await store.load("uuid-1")
    assert dict(loaded.positions) == {SHARD: "49007"}
    assert dict(loaded.retrying) == {SHARD: (RetryState("49008", "49009", 1, 1),)}
