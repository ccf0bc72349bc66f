"""Kinesis through the endpoint: boto3 against a running headrace, every served operation,
its errors and its pagination (reference: lambda-esm.md §5 for shards and ordering)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from endpoint_support import aged_iterator, call, running_headrace, write_config

from headrace.cli import main

STREAMS = {"streams": {"clicks": {"ShardCount": 2}}}
LAST_HASH_KEY = str(2**128 - 1)


async def test_create_describe_list_and_delete_a_stream(tmp_path: Path) -> None:
    """CreateStream makes an ACTIVE stream of ShardCount shards beside the file's; it is
    listed, described, and DeleteStream removes it (ResourceNotFoundException after)."""
    async with running_headrace(tmp_path, STREAMS) as running:
        kinesis = running.client("kinesis")
        await call(kinesis, "create_stream", StreamName="orders", ShardCount=3)
        summary = (await call(kinesis, "describe_stream_summary", StreamName="orders"))[
            "StreamDescriptionSummary"
        ]
        assert (summary["StreamStatus"], summary["OpenShardCount"]) == ("ACTIVE", 3)
        assert summary["StreamARN"] == "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
        listed = await call(kinesis, "list_streams")
        assert listed["StreamNames"] == ["clicks", "orders"]
        assert [s["StreamARN"] for s in listed["StreamSummaries"]][1] == summary["StreamARN"]
        assert listed["HasMoreStreams"] is False
        described = (await call(kinesis, "describe_stream", StreamARN=summary["StreamARN"]))[
            "StreamDescription"
        ]
        assert len(described["Shards"]) == 3
        assert described["Shards"][-1]["HashKeyRange"]["EndingHashKey"] == LAST_HASH_KEY
        await call(kinesis, "delete_stream", StreamName="orders")
        assert (await call(kinesis, "list_streams"))["StreamNames"] == ["clicks"]
        with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
            await call(kinesis, "describe_stream_summary", StreamName="orders")


async def test_create_stream_errors(tmp_path: Path) -> None:
    """A stream that exists: ResourceInUseException; a bad name or shard count:
    ValidationException; a shard count past the account's quota (500):
    LimitExceededException, not a 500 (a huge one was, found by the endpoint
    fuzz); on-demand mode needs no ShardCount (four shards)."""
    async with running_headrace(tmp_path, STREAMS) as running:
        kinesis = running.client("kinesis")
        with pytest.raises(kinesis.exceptions.ResourceInUseException, match="already exists"):
            await call(kinesis, "create_stream", StreamName="clicks", ShardCount=1)
        with pytest.raises(kinesis.exceptions.ValidationException, match="streamName"):
            await call(kinesis, "create_stream", StreamName="bad name", ShardCount=1)
        unchecked = running.client("kinesis", parameter_validation=False)
        with pytest.raises(kinesis.exceptions.ValidationException, match="shardCount"):
            await call(unchecked, "create_stream", StreamName="zero", ShardCount=0)
        for count in (501, 10**30):
            with pytest.raises(kinesis.exceptions.LimitExceededException, match="shard limit"):
                await call(kinesis, "create_stream", StreamName="huge", ShardCount=count)
        with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
            await call(kinesis, "describe_stream_summary", StreamName="huge")
        await call(
            kinesis,
            "create_stream",
            StreamName="auto",
            StreamModeDetails={"StreamMode": "ON_DEMAND"},
        )
        summary = await call(kinesis, "describe_stream_summary", StreamName="auto")
        assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 4


async def test_list_streams_pages(tmp_path: Path) -> None:
    """ListStreams pages by Limit with HasMoreStreams, ExclusiveStartStreamName and
    NextToken; boto3's paginator walks every page."""
    async with running_headrace(tmp_path, STREAMS) as running:
        kinesis = running.client("kinesis")
        for name in ("a1", "b2", "c3"):
            await call(kinesis, "create_stream", StreamName=name, ShardCount=1)
        first = await call(kinesis, "list_streams", Limit=2)
        assert (first["StreamNames"], first["HasMoreStreams"]) == (["a1", "b2"], True)
        second = await call(kinesis, "list_streams", NextToken=first["NextToken"], Limit=2)
        assert (second["StreamNames"], second["HasMoreStreams"]) == (["c3", "clicks"], False)
        after = await call(kinesis, "list_streams", ExclusiveStartStreamName="b2")
        assert after["StreamNames"] == ["c3", "clicks"]
        pages = kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 1})
        names = await asyncio.to_thread(lambda: [n for p in pages for n in p["StreamNames"]])
        assert names == ["a1", "b2", "c3", "clicks"]
        with pytest.raises(kinesis.exceptions.InvalidArgumentException):
            await call(kinesis, "list_streams", NextToken="not-a-token")


async def test_describe_stream_and_list_shards_page(tmp_path: Path) -> None:
    """DescribeStream pages shards by Limit and ExclusiveStartShardId with HasMoreShards;
    ListShards by MaxResults and NextToken (not with StreamName), and filters AT_LATEST."""
    async with running_headrace(tmp_path, {"streams": {"wide": {"ShardCount": 5}}}) as running:
        kinesis = running.client("kinesis")
        page = (await call(kinesis, "describe_stream", StreamName="wide", Limit=2))[
            "StreamDescription"
        ]
        assert [s["ShardId"] for s in page["Shards"]] == [
            "shardId-000000000000",
            "shardId-000000000001",
        ]
        assert page["HasMoreShards"] is True
        rest = (
            await call(
                kinesis,
                "describe_stream",
                StreamName="wide",
                ExclusiveStartShardId="shardId-000000000001",
            )
        )["StreamDescription"]
        assert len(rest["Shards"]) == 3
        assert rest["HasMoreShards"] is False
        first = await call(kinesis, "list_shards", StreamName="wide", MaxResults=3)
        assert len(first["Shards"]) == 3
        second = await call(kinesis, "list_shards", NextToken=first["NextToken"])
        assert [s["ShardId"] for s in second["Shards"]][-1] == "shardId-000000000004"
        assert "NextToken" not in second
        with pytest.raises(kinesis.exceptions.InvalidArgumentException):
            await call(kinesis, "list_shards", StreamName="wide", NextToken=first["NextToken"])
        # As on Kinesis, boto3's ListShards paginator (which resends StreamName with the
        # NextToken) is refused; paging by NextToken alone walks every shard.
        token, ids = None, []
        while True:
            page_args = {"NextToken": token} if token else {"StreamName": "wide"}
            got = await call(kinesis, "list_shards", MaxResults=2, **page_args)
            ids += [s["ShardId"] for s in got["Shards"]]
            token = got.get("NextToken")
            if token is None:
                break
        assert len(ids) == 5
        latest = await call(
            kinesis, "list_shards", StreamName="wide", ShardFilter={"Type": "AT_LATEST"}
        )
        assert len(latest["Shards"]) == 5
        unchecked = running.client("kinesis", parameter_validation=False)
        with pytest.raises(kinesis.exceptions.ValidationException, match="limit"):
            await call(unchecked, "describe_stream", StreamName="wide", Limit=0)


async def test_put_records_route_by_hash_key_and_read_back(tmp_path: Path) -> None:
    """PutRecord routes by the MD5 of its partition key, or its ExplicitHashKey (§5.1);
    PutRecords reports one entry per record; GetRecords returns them in order with Limit,
    NextShardIterator and MillisBehindLatest."""
    async with running_headrace(tmp_path, STREAMS) as running:
        kinesis = running.client("kinesis")
        last = await call(
            kinesis,
            "put_record",
            StreamName="clicks",
            Data=b"a",
            PartitionKey="k",
            ExplicitHashKey=LAST_HASH_KEY,
        )
        assert last["ShardId"] == "shardId-000000000001"
        key = "user-7"
        expected = 0 if int(hashlib.md5(key.encode()).hexdigest(), 16) < 2**127 else 1
        put = await call(kinesis, "put_record", StreamName="clicks", Data=b"b", PartitionKey=key)
        assert put["ShardId"] == f"shardId-00000000000{expected}"
        ordered = await call(
            kinesis,
            "put_record",
            StreamName="clicks",
            Data=b"c",
            PartitionKey=key,
            SequenceNumberForOrdering=put["SequenceNumber"],
        )
        assert int(ordered["SequenceNumber"]) > int(put["SequenceNumber"])
        batch = await call(
            kinesis,
            "put_records",
            StreamName="clicks",
            Records=[{"Data": f"r{i}".encode(), "PartitionKey": key} for i in range(3)],
        )
        assert batch["FailedRecordCount"] == 0
        assert {r["ShardId"] for r in batch["Records"]} == {put["ShardId"]}
        iterator = (
            await call(
                kinesis,
                "get_shard_iterator",
                StreamName="clicks",
                ShardId=put["ShardId"],
                ShardIteratorType="TRIM_HORIZON",
            )
        )["ShardIterator"]
        first = await call(kinesis, "get_records", ShardIterator=iterator, Limit=2)
        assert [r["Data"] for r in first["Records"]] == [b"b", b"c"]
        assert first["Records"][0]["PartitionKey"] == key
        rest = await call(kinesis, "get_records", ShardIterator=first["NextShardIterator"])
        assert [r["Data"] for r in rest["Records"]] == [b"r0", b"r1", b"r2"]
        assert rest["MillisBehindLatest"] == 0
        assert "NextShardIterator" in rest


async def test_iterator_types(tmp_path: Path) -> None:
    """GetShardIterator: AT/AFTER_SEQUENCE_NUMBER start at/after a record, LATEST after
    the tip, AT_TIMESTAMP at the first record arrived then; bad arguments are
    InvalidArgumentException, an unknown shard ResourceNotFoundException."""
    async with running_headrace(tmp_path, {"streams": {"one": {}}}) as running:
        kinesis = running.client("kinesis")
        puts = [
            await call(kinesis, "put_record", StreamName="one", Data=d, PartitionKey="k")
            for d in (b"x", b"y")
        ]
        shard, second = puts[0]["ShardId"], puts[1]["SequenceNumber"]

        async def read(kind: str, **extra: Any) -> list[bytes]:
            iterator = await call(
                kinesis,
                "get_shard_iterator",
                StreamName="one",
                ShardId=shard,
                ShardIteratorType=kind,
                **extra,
            )
            got = await call(kinesis, "get_records", ShardIterator=iterator["ShardIterator"])
            return [r["Data"] for r in got["Records"]]

        assert await read("AT_SEQUENCE_NUMBER", StartingSequenceNumber=second) == [b"y"]
        assert await read("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=second) == []
        assert await read("LATEST") == []
        assert await read("AT_TIMESTAMP", Timestamp=0) == [b"x", b"y"]
        with pytest.raises(kinesis.exceptions.InvalidArgumentException):
            await read("AT_SEQUENCE_NUMBER")
        with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
            await call(
                kinesis,
                "get_shard_iterator",
                StreamName="one",
                ShardId="shardId-000000000009",
                ShardIteratorType="LATEST",
            )


async def test_get_records_errors(tmp_path: Path) -> None:
    """GetRecords refuses a token that is no iterator (InvalidArgumentException) and one
    issued more than five minutes ago (ExpiredIteratorException)."""
    async with running_headrace(tmp_path, {"streams": {"one": {}}}) as running:
        kinesis = running.client("kinesis")
        with pytest.raises(kinesis.exceptions.InvalidArgumentException, match="ShardIterator"):
            await call(kinesis, "get_records", ShardIterator="x" * 20)
        fresh = await call(
            kinesis,
            "get_shard_iterator",
            StreamName="one",
            ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON",
        )
        old = aged_iterator(fresh["ShardIterator"], 301)
        with pytest.raises(kinesis.exceptions.ExpiredIteratorException, match="expired"):
            await call(kinesis, "get_records", ShardIterator=old)
        with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
            await call(kinesis, "put_record", StreamName="nope", Data=b"x", PartitionKey="k")
        unchecked = running.client("kinesis", parameter_validation=False)
        with pytest.raises(kinesis.exceptions.ValidationException, match="partitionKey"):
            await call(unchecked, "put_record", StreamName="one", Data=b"x", PartitionKey="")


async def test_a_record_without_partition_key_is_a_validation_error(tmp_path: Path) -> None:
    """PutRecord and PutRecords without a PartitionKey (required by AWS; botocore's model no
    longer marks it required, so boto3 sends such a request) are ValidationException, not
    a 500 (found by tests/endpoint/test_endpoint_fuzz.py)."""
    async with running_headrace(tmp_path, {"streams": {"one": {}}}) as running:
        kinesis = running.client("kinesis")
        with pytest.raises(kinesis.exceptions.ValidationException, match="'partitionKey'"):
            await call(kinesis, "put_record", StreamName="one", Data=b"x")
        records = [{"Data": b"x", "PartitionKey": "k"}, {"Data": b"y"}]
        with pytest.raises(
            kinesis.exceptions.ValidationException, match=r"records\.1\.partitionKey"
        ):
            await call(kinesis, "put_records", StreamName="one", Records=records)
        iterator = await call(
            kinesis,
            "get_shard_iterator",
            StreamName="one",
            ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON",
        )
        got = await call(kinesis, "get_records", ShardIterator=iterator["ShardIterator"])
        assert got["Records"] == []  # the refused batch put nothing


async def test_api_streams_survive_a_restart_and_work_with_the_cli(tmp_path: Path) -> None:
    """A stream made by CreateStream is kept after a restart with its records, takes
    `headrace put`, and shows in `headrace status`; a deleted one stays deleted."""
    async with running_headrace(tmp_path, STREAMS) as running:
        kinesis = running.client("kinesis")
        await call(kinesis, "create_stream", StreamName="kept", ShardCount=1)
        await call(kinesis, "create_stream", StreamName="dropped", ShardCount=1)
        await call(kinesis, "put_record", StreamName="kept", Data=b"before", PartitionKey="k")
        await call(kinesis, "delete_stream", StreamName="dropped")
    config = write_config(tmp_path, STREAMS)
    put = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["put", "kept", "from-cli", "--partition-key", "k", "--config", str(config)],
    )
    assert put.exit_code == 0, put.output
    status = await asyncio.to_thread(
        CliRunner().invoke, main, ["status", "--json", "--config", str(config)]
    )
    assert status.exit_code == 0, status.output
    streams = msgspec.json.decode(status.output)["Streams"]
    assert sorted(streams) == ["clicks", "kept"]
    assert streams["kept"]["OpenShardCount"] == 1
    async with running_headrace(tmp_path, STREAMS) as running:
        kinesis = running.client("kinesis")
        assert (await call(kinesis, "list_streams"))["StreamNames"] == ["clicks", "kept"]
        iterator = await call(
            kinesis,
            "get_shard_iterator",
            StreamName="kept",
            ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON",
        )
        got = await call(kinesis, "get_records", ShardIterator=iterator["ShardIterator"])
        assert [r["Data"] for r in got["Records"]] == [b"before", b"from-cli"]
