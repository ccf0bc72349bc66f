"""Stream metrics on /metrics and in status snapshots (§7.6, §8.3-8.4)."""

from __future__ import annotations

from pathlib import Path

from headrace.api.metrics import StatisticsCollector, render
from headrace.state.sqlite import SqliteStatusStore
from headrace.state.state_seam import EngineRecord
from headrace.statistics import MappingStatistics, ShardStatistics

SHARD = ShardStatistics(
    shard_id="shardId-000000000001",
    state="Retrying",
    checkpoint="49000",
    iterator_age_ms=1234,
    millis_behind_latest=50,
    pending_records=7,
    in_flight_batches=1,
)
STATS = MappingStatistics(
    uuid="uuid-1",
    function_name="fn",
    event_source_arn="arn:aws:kinesis:us-east-1:000000000000:stream/clicks",
    state="Enabled",
    state_transition_reason="User action",
    last_processing_result="OK",
    in_flight_batches=1,
    concurrency=1,
    polled=10,
    filtered_out=0,
    invoked=10,
    failed_invoke=0,
    deleted=0,
    invocations=1,
    errors=0,
    batches=1,
    dropped=3,
    on_failure_delivered=2,
    destination_delivery_failures=1,
    shards=(SHARD,),
)


def scrape() -> str:
    return render(StatisticsCollector(lambda: [STATS], list)).decode()


def test_iterator_age_is_a_gauge_per_shard() -> None:
    """§7.6, §8.1: IteratorAge in milliseconds, one series per shard."""
    text = scrape()
    assert (
        'IteratorAge{EventSourceMappingUUID="uuid-1",FunctionName="fn",'
        'ShardId="shardId-000000000001"} 1234.0'
    ) in text


def test_stream_event_counts_are_exported() -> None:
    """§8.3-8.4: DroppedEventCount, OnFailureDestinationDeliveredEventCount and
    DestinationDeliveryFailures."""
    text = scrape()
    assert 'DroppedEventCount_total{EventSourceMappingUUID="uuid-1",FunctionName="fn"} 3.0' in text
    assert "OnFailureDestinationDeliveredEventCount_total" in text
    assert 'DestinationDeliveryFailures_total{EventSourceMappingUUID="uuid-1"' in text


def test_snapshots_keep_their_shards_through_the_status_store(tmp_path: Path) -> None:
    """§7.6: `status` reads per-shard statistics back from state.sqlite3."""
    store = SqliteStatusStore(tmp_path / "state.sqlite3")
    store.publish(EngineRecord(1, 0.0, 0.0, None), [STATS])
    _, (read,) = store.read()
    store.close()
    assert read == STATS
