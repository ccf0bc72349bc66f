"""DynamoDB Streams through the endpoint: boto3 reads the change streams of the file's
tables (reference: lambda-esm.md §3.3 for the record shape)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from endpoint_support import aged_iterator, call, running_headrace

from headrace.cli import main

TABLE = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
}
PLAIN = {key: value for key, value in TABLE.items() if key != "StreamSpecification"}
CONFIG = {"tables": {"users": TABLE, "plain": PLAIN}}


async def table_put(root: Path, item: str) -> None:
    """`headrace table put users ITEM`, as a user types it, beside the running App."""
    args = ["table", "put", "users", item, "--config", str(root / "headrace.yaml")]
    result = await asyncio.to_thread(CliRunner().invoke, main, args)
    assert result.exit_code == 0, result.output


async def test_list_and_describe_the_tables_streams(tmp_path: Path) -> None:
    """ListStreams lists each table with a stream (by TableName too), DescribeStream gives
    its label, view type, key schema and shards; a table without a stream is not listed,
    and an unknown table or stream ARN is ResourceNotFoundException."""
    async with running_headrace(tmp_path, CONFIG) as running:
        streams = running.client("dynamodbstreams")
        listed = (await call(streams, "list_streams"))["Streams"]
        assert [s["TableName"] for s in listed] == ["users"]
        arn = listed[0]["StreamArn"]
        assert arn.startswith("arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/")
        assert arn.endswith(listed[0]["StreamLabel"])
        by_table = await call(streams, "list_streams", TableName="users")
        assert by_table["Streams"] == listed
        described = (await call(streams, "describe_stream", StreamArn=arn))["StreamDescription"]
        assert described["StreamStatus"] == "ENABLED"
        assert described["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
        assert described["Shards"][0]["ShardId"].startswith("shardId-")
        assert "LastEvaluatedShardId" not in described
        with pytest.raises(streams.exceptions.ResourceNotFoundException):
            await call(streams, "list_streams", TableName="nope")
        with pytest.raises(streams.exceptions.ResourceNotFoundException):
            await call(streams, "describe_stream", StreamArn=arn + "0")


async def test_list_streams_pages(tmp_path: Path) -> None:
    """ListStreams pages by Limit with LastEvaluatedStreamArn / ExclusiveStartStreamArn."""
    tables = {"tables": {name: TABLE for name in ("aa1", "bb2", "cc3")}}
    async with running_headrace(tmp_path, tables) as running:
        streams = running.client("dynamodbstreams")
        first = await call(streams, "list_streams", Limit=2)
        assert [s["TableName"] for s in first["Streams"]] == ["aa1", "bb2"]
        rest = await call(
            streams, "list_streams", ExclusiveStartStreamArn=first["LastEvaluatedStreamArn"]
        )
        assert [s["TableName"] for s in rest["Streams"]] == ["cc3"]
        assert "LastEvaluatedStreamArn" not in rest


async def test_table_writes_read_back_as_change_records(tmp_path: Path) -> None:
    """A write to the table (by `headrace table put`) reads back through GetShardIterator
    and GetRecords as DynamoDB Streams' record (§3.3): INSERT then MODIFY, with keys and
    images; Limit pages them and AFTER_SEQUENCE_NUMBER starts after one."""
    async with running_headrace(tmp_path, CONFIG) as running:
        streams = running.client("dynamodbstreams")
        await table_put(tmp_path, '{"id": "u1", "n": 1}')
        await table_put(tmp_path, '{"id": "u1", "n": 2}')
        arn = (await call(streams, "list_streams"))["Streams"][0]["StreamArn"]
        shards = (await call(streams, "describe_stream", StreamArn=arn))["StreamDescription"][
            "Shards"
        ]
        records = []
        for shard in shards:
            iterator = (
                await call(
                    streams,
                    "get_shard_iterator",
                    StreamArn=arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )
            )["ShardIterator"]
            first = await call(streams, "get_records", ShardIterator=iterator, Limit=1)
            rest = await call(streams, "get_records", ShardIterator=first["NextShardIterator"])
            records += first["Records"] + rest["Records"]
        assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
        modify = records[1]["dynamodb"]
        assert modify["Keys"] == {"id": {"S": "u1"}}
        assert (modify["OldImage"]["n"], modify["NewImage"]["n"]) == ({"N": "1"}, {"N": "2"})
        after = await call(
            streams,
            "get_shard_iterator",
            StreamArn=arn,
            ShardId=_shard_of(shards, records),
            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber=records[0]["dynamodb"]["SequenceNumber"],
        )
        got = await call(streams, "get_records", ShardIterator=after["ShardIterator"])
        assert [r["eventName"] for r in got["Records"]] == ["MODIFY"]


def _shard_of(shards: list[dict[str, Any]], records: list[dict[str, Any]]) -> str:
    """The shard the records were read from (one key: one shard)."""
    number = int(records[0]["dynamodb"]["SequenceNumber"])
    for shard in shards:
        start = int(shard["SequenceNumberRange"]["StartingSequenceNumber"])
        end = shard["SequenceNumberRange"].get("EndingSequenceNumber")
        if start <= number and (end is None or number <= int(end)):
            return str(shard["ShardId"])
    raise AssertionError("no shard holds the record")


async def test_iterator_errors(tmp_path: Path) -> None:
    """GetRecords refuses a token that is no iterator (ValidationException) and one issued
    more than 15 minutes ago (ExpiredIteratorException); an unknown shard is
    ResourceNotFoundException."""
    async with running_headrace(tmp_path, CONFIG) as running:
        streams = running.client("dynamodbstreams")
        arn = (await call(streams, "list_streams"))["Streams"][0]["StreamArn"]
        shards = (await call(streams, "describe_stream", StreamArn=arn))["StreamDescription"][
            "Shards"
        ]
        with pytest.raises(streams.exceptions.ClientError, match="ValidationException"):
            await call(streams, "get_records", ShardIterator="x" * 20)
        with pytest.raises(streams.exceptions.ResourceNotFoundException):
            await call(
                streams,
                "get_shard_iterator",
                StreamArn=arn,
                ShardId="shardId-00000000000000000099-00000000",
                ShardIteratorType="LATEST",
            )
        fresh = await call(
            streams,
            "get_shard_iterator",
            StreamArn=arn,
            ShardId=shards[0]["ShardId"],
            ShardIteratorType="LATEST",
        )
        old = aged_iterator(fresh["ShardIterator"], 901)
        with pytest.raises(streams.exceptions.ExpiredIteratorException):
            await call(streams, "get_records", ShardIterator=old)
