"""The SQLite checkpoint store in state.sqlite3 (§7.3-7.4, §5.4)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from headrace.errors import BrokerError
from headrace.esm.streams import checkpointing
from headrace.esm.streams.checkpointing import CheckpointWriter
from headrace.state.checkpoints import SqliteCheckpointStore
from headrace.state.memory_state import MemoryCheckpoints, memory_checkpoints
from headrace.state.sqlite import SqliteStatusStore
from headrace.state.state_seam import Lease, MappingCheckpoints, RetryState


def test_a_mapping_that_never_ran_has_no_checkpoints(tmp_path: Path) -> None:
    """§7.1: without checkpoints the mapping starts at its StartingPosition."""
    store = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    loaded = store.load("uuid-1")
    assert (loaded.started, dict(loaded.positions)) == (False, {})
    store.close()


def test_saved_positions_survive_reopening(tmp_path: Path) -> None:
    """§7.4: a restart resumes from the stored checkpoints."""
    store = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    store.save("uuid-1", {"shardId-000000000000": "49001", "shardId-000000000001": "SHARD_END"})
    store.save("uuid-1", {"shardId-000000000000": "49002"})
    store.close()
    reopened = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    loaded = reopened.load("uuid-1")
    assert loaded.started
    assert dict(loaded.positions) == {
        "shardId-000000000000": "49002",
        "shardId-000000000001": "SHARD_END",
    }
    reopened.close()


def test_mappings_keep_separate_checkpoints(tmp_path: Path) -> None:
    """§5.4: checkpoints are keyed by mapping UUID and shard."""
    store = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    store.save("uuid-1", {"shardId-000000000000": "1"})
    store.save("uuid-2", {"shardId-000000000000": "2"})
    assert dict(store.load("uuid-1").positions) == {"shardId-000000000000": "1"}
    assert dict(store.load("uuid-2").positions) == {"shardId-000000000000": "2"}
    store.close()


def test_an_empty_save_marks_the_mapping_started(tmp_path: Path) -> None:
    """§7.1: once started, shards without a position are new ones."""
    store = SqliteCheckpointStore(tmp_path / "state.sqlite3")
    store.save("uuid-1", {})
    assert store.load("uuid-1").started
    store.close()


def test_checkpoints_share_the_file_with_status_snapshots(tmp_path: Path) -> None:
    """design.md: state.sqlite3 holds checkpoints beside the status store's tables."""
    path = tmp_path / "state.sqlite3"
    status = SqliteStatusStore(path)
    store = SqliteCheckpointStore(path)
    store.save("uuid-1", {"s": "1"})
    assert status.read() == (None, [])
    status.close()
    store.close()


async def test_the_writer_coalesces_updates_into_one_transaction() -> None:
    """Checkpoint writes: at most one small transaction per settled batch."""
    store = memory_checkpoints()
    writer = CheckpointWriter(store, "uuid-1")
    for n in range(5):
        writer.update("shard", str(n))
    await writer.flush()
    assert store.saves == 1
    assert dict((await store.load("uuid-1")).positions) == {"shard": "4"}


async def test_the_writer_stores_updates_as_they_come() -> None:
    """§7.3: a settled batch's checkpoint is stored without the lane waiting for it."""
    store = memory_checkpoints()
    writer = CheckpointWriter(store, "uuid-1")
    task = asyncio.create_task(writer.run())
    writer.update("shard", "7")
    for _ in range(100):
        await asyncio.sleep(0.01)
        if (await store.load("uuid-1")).positions:
            break
    task.cancel()
    assert dict((await store.load("uuid-1")).positions) == {"shard": "7"}


class FlakyStore:
    """An in-memory store that fails its first save, as a busy file would."""

    def __init__(self) -> None:
        self.inner: MemoryCheckpoints = memory_checkpoints()
        self.failures = 1

    async def load(self, mapping_uuid: str) -> MappingCheckpoints:
        return await self.inner.load(mapping_uuid)

    async def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        if self.failures:
            self.failures -= 1
            raise BrokerError("database is locked")
        await self.inner.save(mapping_uuid, positions, retrying, lease=lease)

    async def aclose(self) -> None:
        """Nothing to release."""


async def test_a_failed_checkpoint_write_is_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """§7.3: a checkpoint that could not be written is kept and written later."""
    monkeypatch.setattr(checkpointing, "RETRY_WRITE_SECONDS", 0.01)
    store = FlakyStore()
    writer = CheckpointWriter(store, "uuid-1")
    task = asyncio.create_task(writer.run())
    writer.update("shard", "9")
    for _ in range(200):
        await asyncio.sleep(0.01)
        if (await store.load("uuid-1")).positions:
            break
    task.cancel()
    assert dict((await store.load("uuid-1")).positions) == {"shard": "9"}
