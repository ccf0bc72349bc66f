"""The Kinesis source on moto: shards, reads, starts, pacing, expired iterators, errors."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest
from aws_support import FaultyClient, client_error
from streams_support import REGION, Moto, QuickClock

from headrace.aws.clients import AwsSettings, create_client
from headrace.errors import InvalidArgumentException
from headrace.esm.mapping_counters import LastProcessingResult
from headrace.sources import kinesis
from headrace.sources.aws_streams import AwsStreamSource, ShardInfo
from headrace.sources.kinesis import KINESIS_POLL_SECONDS, KinesisApi, open_kinesis_source
from headrace.sources.source_seam import StreamStart

pytestmark = pytest.mark.timeout(60)


async def faulty_source(
    arn: str, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> tuple[AwsStreamSource, FaultyClient]:
    client = await stack.enter_async_context(
        create_client("kinesis", REGION, settings, max_connections=4)
    )
    faulty = FaultyClient(client)
    source = AwsStreamSource(KinesisApi(faulty, arn), arn, clock=clock, poll_interval=1.0)
    return source, faulty


async def read_all(source: AwsStreamSource, shard_id: str, start: StreamStart) -> list[str]:
    """Every record's data from ``start`` to the tip."""
    token: str | None = await source.iterator(shard_id, start)
    out: list[str] = []
    while token is not None:
        chunk = await source.get_records(token, 100)
        out += [r.data.decode() for r in chunk.records]
        if chunk.at_tip:
            return out
        token = chunk.next_iterator
    return out


async def test_list_shards_follows_pages(
    moto: Moto, settings: AwsSettings, clock: QuickClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 4: ListShards with pagination returns every shard."""
    monkeypatch.setattr(kinesis, "LIST_SHARDS_PAGE", 2)
    arn = moto.stream(shards=5)
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        shards = await source.list_shards()
    finally:
        await source.aclose()
    assert [s.shard_id for s in shards] == [f"shardId-00000000000{i}" for i in range(5)]


async def test_records_keep_bytes_key_and_arrival(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§3.2.1: data is the raw bytes; arrival is epoch seconds with milliseconds."""
    arn = moto.stream()
    before = time.time()
    moto.put(arn, "hello", key="user-1")
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        token = await source.iterator("shardId-000000000000", StreamStart("TRIM_HORIZON"))
        chunk = await source.get_records(token, 10)
    finally:
        await source.aclose()
    (record,) = chunk.records
    assert (record.data, record.partition_key, record.shard_id) == (
        b"hello",
        "user-1",
        "shardId-000000000000",
    )
    assert before - 1 <= record.approximate_arrival_timestamp <= time.time() + 1
    assert round(record.approximate_arrival_timestamp, 3) == record.approximate_arrival_timestamp
    assert chunk.at_tip


async def test_at_timestamp_starts_at_the_time(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§7.1: AT_TIMESTAMP reads the records that arrived at or after the timestamp."""
    arn = moto.stream()
    moto.put(arn, "old")
    await asyncio.sleep(0.05)  # the two puts get distinct arrival times
    cut = time.time()
    await asyncio.sleep(0.05)
    moto.put(arn, "new")
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        got = await read_all(
            source, "shardId-000000000000", StreamStart("AT_TIMESTAMP", timestamp=cut)
        )
    finally:
        await source.aclose()
    assert got == ["new"]


async def test_after_sequence_number_resumes_after_the_checkpoint(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§7.3: a checkpoint resumes after the checkpointed record."""
    arn = moto.stream()
    sequences = moto.put(arn, "a", "b", "c")
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        got = await read_all(
            source, "shardId-000000000000", StreamStart("AFTER_SEQUENCE_NUMBER", sequences[0])
        )
    finally:
        await source.aclose()
    assert got == ["b", "c"]


async def test_latest_mark_reads_only_later_records(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§7.1: a LATEST start, kept as its time, reads what was put after it only."""
    arn = moto.stream()
    moto.put(arn, "before")
    await asyncio.sleep(0.05)
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        mark = await source.latest_sequence_number("shardId-000000000000")
        await asyncio.sleep(0.05)
        moto.put(arn, "after")
        got = await read_all(
            source, "shardId-000000000000", StreamStart("AFTER_SEQUENCE_NUMBER", mark)
        )
        assert await source.has_records_after("shardId-000000000000", mark)
    finally:
        await source.aclose()
    assert got == ["after"]


async def test_has_records_after_is_false_at_the_tip(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """A drain check: nothing after the last record read."""
    arn = moto.stream()
    (last,) = moto.put(arn, "only")
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        assert not await source.has_records_after("shardId-000000000000", last)
        assert await source.has_records_after("shardId-000000000000", None)
    finally:
        await source.aclose()


async def test_wait_sleeps_one_poll_interval(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§2.11: a Kinesis shard at its tip is polled again once a second."""
    source = await open_kinesis_source(moto.stream(), settings, clock=clock, default_region=REGION)
    try:
        assert await source.wait_for_records(source.version(), 30.0)
    finally:
        await source.aclose()
    assert clock.sleeps == [KINESIS_POLL_SECONDS]


async def test_reads_of_one_shard_are_spaced(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """GetRecords' 5 calls/s per shard: back-to-back reads wait out the spacing."""
    arn = moto.stream()
    moto.put(arn, "a", "b")
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        token = await source.iterator("shardId-000000000000", StreamStart("TRIM_HORIZON"))
        first = await source.get_records(token, 1)
        assert first.next_iterator is not None
        await source.get_records(first.next_iterator, 1)
    finally:
        await source.aclose()
    assert len(clock.sleeps) == 1
    assert 0 < clock.sleeps[0] <= 0.2


async def test_reads_of_one_shard_stay_under_two_mib_per_second(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """Kinesis's 2 MiB/s read limit per shard: after 1 MiB read, the next read waits ~0.5 s."""
    arn = moto.stream()
    moto.put(arn, "x" * (1024 * 1024 - 16), "y")
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    try:
        token = await source.iterator("shardId-000000000000", StreamStart("TRIM_HORIZON"))
        first = await source.get_records(token, 1)
        assert first.next_iterator is not None
        await source.get_records(first.next_iterator, 1)
    finally:
        await source.aclose()
    assert len(clock.sleeps) == 1
    assert 0.3 < clock.sleeps[0] <= 0.5


async def test_expired_iterator_restarts_after_the_last_read(
    moto: Moto, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> None:
    """Issue 4: an expired iterator restarts where reading stood: nothing skipped or repeated."""
    arn = moto.stream()
    moto.put(arn, "a", "b", "c")
    source, faulty = await faulty_source(arn, settings, clock, stack)
    token = await source.iterator("shardId-000000000000", StreamStart("TRIM_HORIZON"))
    first = await source.get_records(token, 1)
    faulty.faults["get_records"] = [client_error("ExpiredIteratorException", "Iterator expired")]
    assert first.next_iterator is not None
    rest = await source.get_records(first.next_iterator, 10)
    assert [r.data for r in (*first.records, *rest.records)] == [b"a", b"b", b"c"]
    assert source.statistics().renewed_iterators == 1


async def test_throughput_exceeded_backs_off_with_jitter(
    moto: Moto, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> None:
    """Issue 4: ProvisionedThroughputExceeded backs off and the read then succeeds whole."""
    arn = moto.stream()
    moto.put(arn, "a", "b")
    source, faulty = await faulty_source(arn, settings, clock, stack)
    token = await source.iterator("shardId-000000000000", StreamStart("TRIM_HORIZON"))
    throttled = client_error("ProvisionedThroughputExceededException", "Rate exceeded")
    faulty.faults["get_records"] = [throttled] * 7  # more than a RetryPolicy's attempts
    chunk = await source.get_records(token, 10)
    assert [r.data for r in chunk.records] == [b"a", b"b"]
    assert source.statistics().retries == 7
    assert len(clock.sleeps) == 7
    assert all(0 <= s <= 5.0 for s in clock.sleeps)


async def test_missing_stream_is_a_visible_problem_until_created(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§1.6.12: a missing stream shows "Stream not found: <arn>"; creating it recovers."""
    name = "later-stream"
    arn = moto.stream_arn(name)
    source = await open_kinesis_source(arn, settings, clock=clock, default_region=REGION)
    counters = LastProcessingResult()
    source.report_to(counters)
    try:
        listing = asyncio_task(source.list_shards())
        await until(lambda: source.statistics().problem is not None)
        assert counters.text == f"PROBLEM: Stream not found: {arn}"
        moto.kinesis.create_stream(StreamName=name, ShardCount=1)
        shards = await listing
    finally:
        await source.aclose()
    assert [s.shard_id for s in shards] == ["shardId-000000000000"]
    assert counters.text == "No records processed"
    assert source.statistics().problem is None


async def test_denied_access_shows_aws_message_and_recovers(
    moto: Moto, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> None:
    """Issue 4: denied permissions show AWS's code and message, and recover when granted."""
    arn = moto.stream()
    source, faulty = await faulty_source(arn, settings, clock, stack)
    counters = LastProcessingResult()
    source.report_to(counters)
    denied = client_error("AccessDeniedException", "User is not authorized to kinesis:ListShards")
    faulty.faults["list_shards"] = [denied, denied]
    seen: list[str] = []
    original = clock.sleep

    async def watching(seconds: float) -> None:
        seen.append(counters.text)
        await original(seconds)

    clock.sleep = watching  # type: ignore[method-assign]
    shards = await source.list_shards()
    assert len(shards) == 1
    assert (
        seen
        == [
            "PROBLEM: Error occurred while ListShards. Kinesis Error Code: AccessDeniedException. "
            "Kinesis Error Message: User is not authorized to kinesis:ListShards"
        ]
        * 2
    )
    assert counters.text == "No records processed"


async def test_foreign_checkpoint_raises_invalid_argument(
    moto: Moto, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> None:
    """A checkpoint AWS refuses raises InvalidArgumentException (the poller starts over)."""
    arn = moto.stream()
    source, faulty = await faulty_source(arn, settings, clock, stack)
    faulty.faults["get_shard_iterator"] = [
        client_error("InvalidArgumentException", "Invalid StartingSequenceNumber")
    ]
    with pytest.raises(InvalidArgumentException):
        await source.iterator("shardId-000000000000", StreamStart("AFTER_SEQUENCE_NUMBER", "9"))


def test_closed_shard_lists_its_parents() -> None:
    """§5.5: a merged shard has both parents; a shard with an end is closed."""
    info: ShardInfo = kinesis._shard_info(
        {
            "ShardId": "shardId-000000000009",
            "ParentShardId": "shardId-000000000001",
            "AdjacentParentShardId": "shardId-000000000002",
            "SequenceNumberRange": {"StartingSequenceNumber": "5", "EndingSequenceNumber": "9"},
        }
    )
    assert info.shard.parent_shard_ids == ("shardId-000000000001", "shardId-000000000002")
    assert info.shard.closed
    assert info.ending_sequence_number == "9"


def asyncio_task(coro: Any) -> Any:
    import asyncio

    return asyncio.ensure_future(coro)


async def until(check: Any, timeout: float = 10.0) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_trimmed_checkpoint_raises_invalid_argument(
    moto: Moto, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> None:
    """§7.7: a checkpoint trimmed by retention cannot be resumed: the poller starts over."""
    arn = moto.stream()
    source, faulty = await faulty_source(arn, settings, clock, stack)
    faulty.faults["get_shard_iterator"] = [
        client_error("TrimmedDataAccessException", "beyond the trim horizon")
    ]
    with pytest.raises(InvalidArgumentException):
        await source.iterator("shardId-000000000000", StreamStart("AFTER_SEQUENCE_NUMBER", "1"))


async def test_expired_iterator_past_retention_reads_from_trim_horizon(
    moto: Moto, settings: AwsSettings, clock: QuickClock, stack: contextlib.AsyncExitStack
) -> None:
    """§7.7: when the renewed position was trimmed, reading goes on from the oldest record."""
    arn = moto.stream()
    moto.put(arn, "a", "b")
    source, faulty = await faulty_source(arn, settings, clock, stack)
    token = await source.iterator("shardId-000000000000", StreamStart("TRIM_HORIZON"))
    first = await source.get_records(token, 1)
    assert first.next_iterator is not None
    faulty.faults["get_records"] = [client_error("ExpiredIteratorException", "expired")]
    faulty.faults["get_shard_iterator"] = [client_error("TrimmedDataAccessException", "gone")]
    rest = await source.get_records(first.next_iterator, 10)
    assert [r.data for r in rest.records] == [b"a", b"b"]


async def test_each_shard_waits_its_own_interval(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§2.11: one shard's poll does not cut another shard's wait short."""
    source = await open_kinesis_source(moto.stream(), settings, clock=clock, default_region=REGION)
    version = source.version()
    try:
        await asyncio.gather(
            source.wait_for_records(version, 30.0), source.wait_for_records(version, 30.0)
        )
        await source.wait_for_records(version, 30.0)
    finally:
        await source.aclose()
    assert clock.sleeps == [KINESIS_POLL_SECONDS] * 3
