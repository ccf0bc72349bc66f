"""DynamoDB Streams on the endpoint: the change streams of the run's embedded tables.

A table's change stream is an embedded stream (``table/NAME``, see
:mod:`headrace.broker.tables.naming`) in the run's streams storage, whose records' data is
the whole DynamoDB Streams record the write made. Each operation is one call of that storage,
as the engine's table sources make them; this module resolves stream ARNs, pages the lists,
expires iterators after 15 minutes (DynamoDB Streams' limit) and answers with DynamoDB
Streams' shapes and error texts. Differences from AWS: ``docs/api.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import TYPE_CHECKING, Any

from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.broker.streams.iterators import ShardIterator
from headrace.broker.streams.sequence import parse_shard_id, shard_id
from headrace.broker.tables import table_stream_name
from headrace.broker.tables.records import dynamodb_event_record
from headrace.errors import (
    ExpiredIteratorException,
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from headrace.app import App
    from headrace.broker.streams.stream_seam import StreamStorage

# DynamoDB Streams' shard iterators expire 15 minutes after they are returned.
ITERATOR_TTL_S = 900.0
# Page sizes: the model's ranges (ListStreams and DescribeStream 1-100, GetRecords 1-1000).
LIST_LIMIT = 100
RECORDS_LIMIT = 1_000
ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
# DynamoDB Streams' shard ids (the model asks for 28 to 65 characters):
# ``shardId-<20 digits>-<8 hex>``; the digits are the embedded shard's index.
_SHARD_ID = re.compile(r"shardId-(\d{20})-([0-9a-f]{8})")


class DynamoDbStreamsService(AwsService):
    """ListStreams, DescribeStream, GetShardIterator and GetRecords of declared tables."""

    service_name = "dynamodbstreams"

    def __init__(self, app: App) -> None:
        self._app = app

    async def _storage(self) -> tuple[StreamStorage, dict[str, str]]:
        """The streams storage and the tables' stream ARNs (table name → ARN), the file's
        tables and those CreateTable made."""
        streams = await self._app.sources.endpoint_streams()
        return streams.storage, await streams.table_stream_arns()

    async def list_streams(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        limit = _limit(params.get("Limit"), "limit", LIST_LIMIT)
        _, arns = await self._storage()
        table = params.get("TableName")
        if table is not None and table not in arns:
            raise ResourceNotFoundException(
                f"Requested resource not found: Table: {table} not found"
            )
        found = sorted((arn, name) for name, arn in arns.items() if table in (None, name))
        start = params.get("ExclusiveStartStreamArn")
        if start is not None:
            found = [(arn, name) for arn, name in found if arn > start]
        page = found[:limit]
        out: dict[str, Any] = {
            "Streams": [
                {"StreamArn": arn, "TableName": name, "StreamLabel": arn.rsplit("/", 1)[1]}
                for arn, name in page
            ]
        }
        if len(found) > limit:
            out["LastEvaluatedStreamArn"] = page[-1][0]
        return out

    async def describe_stream(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        limit = _limit(params.get("Limit"), "limit", LIST_LIMIT)
        storage, arns = await self._storage()
        arn = str(params["StreamArn"])
        table = _table_of(arn, arns)
        name = table_stream_name(table)
        summary = await storage.describe_stream_summary(name)
        shards = await storage.list_shards(name)
        shard_filter = params.get("ShardFilter")
        if shard_filter is not None and shard_filter.get("Type") == "CHILD_SHARDS":
            parent = _internal_shard(str(shard_filter.get("ShardId")), arn)
            shards = [s for s in shards if parent in s.parent_shard_ids]
        start = params.get("ExclusiveStartShardId")
        if start is not None:
            first = _internal_shard(str(start), arn)
            shards = [s for s in shards if s.shard_id > first]
        page = shards[:limit]
        described = await (await self._app.sources.endpoint_streams()).tables.describe_table(table)
        description: dict[str, Any] = {
            "StreamArn": arn,
            "StreamLabel": arn.rsplit("/", 1)[1],
            "StreamStatus": "ENABLED",
            "StreamViewType": described.stream_view_type or "NEW_AND_OLD_IMAGES",
            "CreationRequestDateTime": summary.stream_creation_timestamp,
            "TableName": table,
            "KeySchema": list(described.key_schema),
            "Shards": [_shard(s.to_aws(), arn) for s in page],
        }
        if len(shards) > limit:
            description["LastEvaluatedShardId"] = _external_shard(page[-1].shard_id, arn)
        return {"StreamDescription": description}

    async def get_shard_iterator(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        kind = str(params["ShardIteratorType"])
        if kind not in (*ITERATOR_TYPES, "AT_TIMESTAMP"):
            raise ValidationException(
                f"1 validation error detected: Value '{kind}' at 'shardIteratorType' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(ITERATOR_TYPES)}]"
            )
        storage, arns = await self._storage()
        arn = str(params["StreamArn"])
        table = _table_of(arn, arns)
        timestamp = params.get("Timestamp")
        if isinstance(timestamp, dt.datetime):
            timestamp = timestamp.timestamp()
        try:
            iterator = await storage.get_shard_iterator(
                table_stream_name(table),
                _internal_shard(str(params["ShardId"]), arn),
                kind,
                starting_sequence_number=params.get("SequenceNumber"),
                timestamp=timestamp,
            )
        except InvalidArgumentException as error:
            raise ValidationException(error.message) from None
        except ResourceNotFoundException:
            raise ResourceNotFoundException(
                f"Requested resource not found: Shard does not exist: {params['ShardId']}"
            ) from None
        return {"ShardIterator": iterator}

    async def get_records(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        token = str(params["ShardIterator"])
        limit = _limit(params.get("Limit"), "limit", RECORDS_LIMIT)
        storage, _ = await self._storage()
        try:
            ShardIterator.decode(token).check_fresh(self._now(), ITERATOR_TTL_S)
            read = await storage.get_records(token, limit)
        except InvalidArgumentException:
            raise ValidationException("Invalid ShardIterator.") from None
        except ExpiredIteratorException:
            raise ExpiredIteratorException("Iterator expired") from None
        out: dict[str, Any] = {"Records": [dynamodb_event_record(r) for r in read.records]}
        if read.next_shard_iterator is not None:
            out["NextShardIterator"] = read.next_shard_iterator
        return out

    def _now(self) -> int:
        return int(self._app.clock.time() * 1000)


def serve(app: App) -> DynamoDbStreamsService:
    return DynamoDbStreamsService(app)


def _table_of(arn: str, arns: dict[str, str]) -> str:
    """The table whose change stream ``arn`` is; ResourceNotFoundException otherwise."""
    for table, stream_arn in arns.items():
        if stream_arn == arn:
            return table
    raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")


def _limit(value: Any, member: str, high: int) -> int:
    if value is None:
        return high
    number = int(value)
    if not 1 <= number <= high:
        bound = "greater than or equal to 1" if number < 1 else f"less than or equal to {high}"
        raise ValidationException(
            f"1 validation error detected: Value '{number}' at '{member}' failed to satisfy "
            f"constraint: Member must have value {bound}"
        )
    return number


def _shard(kinesis: dict[str, Any], arn: str) -> dict[str, Any]:
    """A Kinesis shard description in DynamoDB Streams' shape (no hash key ranges)."""
    out: dict[str, Any] = {
        "ShardId": _external_shard(kinesis["ShardId"], arn),
        "SequenceNumberRange": kinesis["SequenceNumberRange"],
    }
    if "ParentShardId" in kinesis:
        out["ParentShardId"] = _external_shard(kinesis["ParentShardId"], arn)
    return out


def _suffix(arn: str) -> str:
    return hashlib.md5(arn.encode(), usedforsecurity=False).hexdigest()[:8]


def _external_shard(embedded: str, arn: str) -> str:
    """DynamoDB Streams' id for an embedded shard of the stream ``arn``."""
    index = parse_shard_id(embedded)
    assert index is not None  # the storage's own ids
    return f"shardId-{index:020d}-{_suffix(arn)}"


def _internal_shard(text: str, arn: str) -> str:
    """The embedded shard a DynamoDB Streams shard id of stream ``arn`` names."""
    found = _SHARD_ID.fullmatch(text)
    if found is None or found.group(2) != _suffix(arn):
        raise ResourceNotFoundException(
            f"Requested resource not found: Shard does not exist: {text}"
        )
    return shard_id(int(found.group(1)))
