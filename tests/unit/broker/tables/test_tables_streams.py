"""A table's change stream: shards, per-key order (§5.2), labels, wake-ups, retention."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tables_helpers import ACCOUNT, REGION, n, read_stream_records, s, table_config

from headrace.broker.streams import StreamBroker
from headrace.broker.tables import (
    TableBroker,
    dynamodb_event_record,
    table_name,
    table_stream_configs,
    table_stream_name,
)
from headrace.config.resources import StreamConfig
from headrace.errors import BrokerError

# Items and writes per item for the ordering test: enough to land on every shard.
ITEMS = 12
WRITES_PER_ITEM = 6


@pytest.fixture
def four_shards(make_tables: Any) -> TableBroker:
    return make_tables({"users": table_config(shard_count=4)})


def test_a_stream_has_its_shard_count(
    four_shards: TableBroker, tables_path: Path, declared: Any, clock: Any
) -> None:
    """StreamSpecification.ShardCount (headrace's extension) sets the stream's shards."""
    for i in range(ITEMS):
        four_shards.put_item("users", {"id": s(f"u{i}")})
    records = read_stream_records(tables_path, declared, "users", clock)
    assert len({record.shard_id for record in records}) == 4


def test_one_items_records_stay_in_one_shard_in_write_order(
    four_shards: TableBroker, tables_path: Path, declared: Any, clock: Any
) -> None:
    """§5.2: every record of one item key is in one shard, in the order of the writes."""
    for version in range(WRITES_PER_ITEM):
        for i in range(ITEMS):
            four_shards.put_item("users", {"id": s(f"u{i}"), "v": n(str(version))})
    by_key: dict[str, list[tuple[str, int]]] = {}
    for stored in read_stream_records(tables_path, declared, "users", clock):
        record = dynamodb_event_record(stored)
        key = record["dynamodb"]["Keys"]["id"]["S"]
        by_key.setdefault(key, []).append(
            (stored.shard_id, int(record["dynamodb"]["NewImage"]["v"]["N"]))
        )
    for writes in by_key.values():
        assert len({shard for shard, _ in writes}) == 1
        assert [version for _, version in writes] == list(range(WRITES_PER_ITEM))


def test_the_partition_key_is_the_canonical_item_key(
    tables: TableBroker, tables_path: Path, declared: Any, clock: Any
) -> None:
    """§5.2: a record's partition key is its item key, so lanes are per item key."""
    tables.put_item("users", {"id": s("u1")})
    (stored,) = read_stream_records(tables_path, declared, "users", clock)
    assert stored.partition_key == '{"id":{"S":"u1"}}'


def test_sequence_numbers_increase_in_a_shard(
    tables: TableBroker, tables_path: Path, declared: Any, clock: Any
) -> None:
    """Sequence numbers increase with every write within a shard."""
    results = [tables.put_item("users", {"id": s(f"u{i}")}) for i in range(5)]
    numbers = [int(r.sequence_number or "0") for r in results]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5


def test_the_label_is_stable_across_reopens(make_tables: Any, clock: Any) -> None:
    """The stream ARN's label is the table's first creation time, the same after a restart."""
    first = make_tables().stream_arn("users")
    clock.advance(3600)
    assert make_tables().stream_arn("users") == first


def test_records_after_a_reopen_carry_the_same_arn(
    make_tables: Any, changes: Any, clock: Any
) -> None:
    """Records written by a later broker on the file name the same stream ARN."""
    make_tables().put_item("users", {"id": s("u1")})
    clock.advance(60)
    make_tables().put_item("users", {"id": s("u2")})
    assert len({record["eventSourceARN"] for record in changes()}) == 1


def test_a_changed_key_schema_is_refused(make_tables: Any) -> None:
    """A table's key schema cannot change (as in DynamoDB): the file is refused with advice."""
    make_tables()
    with pytest.raises(BrokerError, match="another KeySchema"):
        make_tables({"users": table_config(key="user_id")})


def test_a_write_wakes_the_stream_arn(tables: TableBroker, woken: list[str]) -> None:
    """After a committed write the stream ARN is notified (the engine's pollers wake)."""
    tables.put_item("users", {"id": s("u1")})
    assert woken == [tables.stream_arn("users")]


def test_an_unchanged_write_wakes_nobody(tables: TableBroker, woken: list[str]) -> None:
    """A write that wrote no record sends no wake-up."""
    tables.delete_item("users", {"id": s("absent")})
    assert woken == []


def test_a_table_without_a_stream_stores_items_and_writes_no_record(
    make_tables: Any, woken: list[str]
) -> None:
    """A table without StreamSpecification has items but no stream and no records."""
    tables = make_tables({"plain": table_config("plain", view_type=None)})
    result = tables.put_item("plain", {"id": s("u1")})
    assert (result.event_name, result.sequence_number) == ("INSERT", None)
    assert tables.stream_arn("plain") is None
    assert woken == []
    assert tables.get_item("plain", {"id": s("u1")}) == {"id": s("u1")}


def test_records_expire_after_24_hours(tables: TableBroker, changes: Any, clock: Any) -> None:
    """DynamoDB Streams keeps records 24 hours; older ones are never read again."""
    tables.put_item("users", {"id": s("old")})
    clock.advance(24 * 3600 + 1)
    tables.put_item("users", {"id": s("new")})
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in changes()] == ["new"]


def test_writes_trim_expired_records_by_themselves(tables: TableBroker, clock: Any) -> None:
    """A write past the sweep interval deletes expired records (at most once a minute)."""
    tables.put_item("users", {"id": s("old")})
    clock.advance(24 * 3600 + 1)
    tables.put_item("users", {"id": s("new")})
    assert tables.statistics().records_trimmed == 1
    assert tables.trim() == 0


def test_a_user_stream_with_the_tables_name_is_another_stream(
    tables: TableBroker, tables_path: Path, clock: Any
) -> None:
    """A Kinesis stream named like a table never mixes with the table's change stream."""
    streams = StreamBroker(
        tables_path,
        {"users": StreamConfig(name="users"), **table_stream_configs({"users": table_config()})},
        region=REGION,
        account=ACCOUNT,
        clock=clock,
        notify=lambda _: None,
    )
    try:
        streams.put_record("users", b"kinesis", "k")
        tables.put_item("users", {"id": s("u1")})
        names = {table_stream_name("users"), "users"}
        assert {streams.stream_summary(name).stream_name for name in names} == names
    finally:
        streams.close()


def test_stream_names_come_from_names_and_arns() -> None:
    """A table name, table ARN or stream ARN all name the same embedded stream."""
    arns = [
        "users",
        "arn:aws:dynamodb:us-east-1:123456789012:table/users",
        "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2015-05-11T21:21:33.291",
    ]
    assert {table_stream_name(a) for a in arns} == {"table/users"}
    with pytest.raises(ValueError, match="not a DynamoDB table"):
        table_name("arn:aws:kinesis:us-east-1:123456789012:stream/users")


def test_statistics_count_writes_and_records(tables: TableBroker) -> None:
    """statistics() counts this process's puts, updates, deletes, reads and records."""
    tables.put_item("users", {"id": s("u1")})
    tables.put_item("users", {"id": s("u1")})
    tables.update_item("users", {"id": s("u1")}, set={"a": s("x")})
    tables.delete_item("users", {"id": s("u1")})
    tables.get_item("users", {"id": s("u1")})
    stats = tables.statistics()
    assert (stats.items_put, stats.items_updated, stats.items_deleted) == (2, 1, 1)
    assert (stats.items_read, stats.unchanged_writes, stats.change_records) == (1, 1, 3)
