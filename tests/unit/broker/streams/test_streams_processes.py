"""Several processes on one streams file: a killed writer loses nothing it committed,
concurrent writers interleave safely, and a reader sees another process's records."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from broker_helpers import start_script
from streams_helpers import declared_streams, read_lineage

from headrace.broker.streams import StreamBroker

WRITER = Path(__file__).with_name("streams_writer.py")
# How many committed puts the killed writer makes before the kill (enough to be mid-stream).
PUTS_BEFORE_KILL = 200
# Records each concurrent writer puts.
PUTS_PER_WRITER = 150


def start_writer(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return start_script(WRITER, str(path), tag, str(count))


@pytest.fixture
def two_shards(make_streams) -> StreamBroker:
    return make_streams(declared_streams(clicks=2))


def test_a_killed_writer_loses_no_committed_record(
    two_shards: StreamBroker, streams_path: Path
) -> None:
    """Every put a SIGKILLed writer reported as committed is in the file afterwards (WAL)."""
    writer = start_writer(streams_path, "w", 0)
    assert writer.stdout is not None
    committed = [writer.stdout.readline().strip() for _ in range(PUTS_BEFORE_KILL)]
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate()
    committed += [line for line in rest.split("\n")[:-1] if line]  # a cut-off last line is unsure
    assert writer.returncode == -signal.SIGKILL
    stored = {record.sequence_number for record in read_lineage(two_shards, "clicks")}
    assert set(committed) <= stored


def test_the_file_takes_writes_after_a_writer_was_killed(
    two_shards: StreamBroker, streams_path: Path
) -> None:
    """A writer killed mid-transaction leaves no lock behind: the next put succeeds."""
    writer = start_writer(streams_path, "w", 0)
    assert writer.stdout is not None
    for _ in range(50):
        writer.stdout.readline()
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    assert two_shards.put_record("clicks", b"after", "k").shard_id


def test_concurrent_writers_keep_every_record_in_per_key_order(
    two_shards: StreamBroker, streams_path: Path
) -> None:
    """Two processes putting at once: nothing lost, numbers unique, each key in put order."""
    writers = [start_writer(streams_path, tag, PUTS_PER_WRITER) for tag in ("a", "b")]
    outputs = [writer.communicate()[0].split() for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0]
    records = read_lineage(two_shards, "clicks")
    assert sorted(r.sequence_number for r in records) == sorted(outputs[0] + outputs[1])
    by_key: dict[str, list[int]] = {}
    for record in records:
        by_key.setdefault(record.partition_key, []).append(int(record.data.split(b":")[1]))
    for tag in ("a", "b"):
        for k in range(3):
            assert by_key[f"{tag}-{k}"] == list(range(k, PUTS_PER_WRITER, 3))


def test_a_reader_sees_another_processs_records_in_order(
    two_shards: StreamBroker, streams_path: Path
) -> None:
    """`headrace put` in one process, a reader here: LATEST iterators get every new record."""
    shard_ids = [shard.shard_id for shard in two_shards.list_shards("clicks")]
    positions = {s: two_shards.get_shard_iterator("clicks", s, "LATEST") for s in shard_ids}
    seen: dict[str, list[int]] = {}

    def drain() -> None:
        for shard, iterator in positions.items():
            while True:
                result = two_shards.get_records(iterator)
                for record in result.records:
                    seen.setdefault(record.partition_key, []).append(
                        int(record.data.split(b":")[1])
                    )
                assert result.next_shard_iterator is not None
                iterator = result.next_shard_iterator
                if not result.records:
                    break
            positions[shard] = iterator

    writer = start_writer(streams_path, "w", PUTS_PER_WRITER)
    while writer.poll() is None:
        drain()  # reads interleave with the other process's writes
    drain()
    assert writer.returncode == 0
    assert seen == {f"w-{k}": list(range(k, PUTS_PER_WRITER, 3)) for k in range(3)}
