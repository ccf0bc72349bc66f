"""A real DynamoDB stream (AWS, moto, or any compatible endpoint) as a StreamSource.

:func:`open_dynamodb_stream_source` opens an aiobotocore ``dynamodbstreams`` client in the
stream's region and returns a :class:`DynamoDBStreamSource`. Shared reading, pacing and error
handling are in :mod:`headrace.sources.aws_streams`; what is DynamoDB Streams' own:

- **Shards and lineage from DescribeStream** (paged by ``ExclusiveStartShardId``); a shard
  has at most one parent, and is closed once it has an ending sequence number.
- **Polled 4 times a second per shard** at the tip (§2.11).
- **Records** are turned into §3.3's record (keys in AWS's order, ``eventVersion`` "1.1"
  as AWS sends it now, §3.3.2; ``ApproximateCreationDateTime`` in epoch seconds; binary
  values base64 again) and stored as JSON in the StreamRecord's ``data``, which the
  engine's ``DynamoDBShape`` hands on as they are; the item's key is the ordering key.
- **Starting positions**: TRIM_HORIZON and LATEST; AT_TIMESTAMP is refused with §1.6.6's
  message (:func:`check_starting_position`). LATEST is resolved to each shard's newest
  record by reading the shard to its end once (DynamoDB keeps 24 hours, in shards that
  close every few hours).
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import msgspec

from headrace.aws.clients import AwsSettings, create_client, region_of
from headrace.clock import Clock
from headrace.errors import InvalidParameterValueException
from headrace.events import StreamRecord
from headrace.sources.aws_streams import AwsStreamSource, RawRead, ShardInfo, sequence_args
from headrace.sources.kinesis import epoch_millis
from headrace.sources.source_seam import StreamShard, StreamStart

# §2.11: DynamoDB Streams shards are polled at a base rate of 4 times per second.
DYNAMODB_POLL_SECONDS = 0.25
# GetRecords returns at most 1,000 records per call (DynamoDB Streams quota).
MAX_RECORDS_PER_READ = 1000
# DescribeStream's largest page of shards.
DESCRIBE_PAGE = 100
# Connections one stream's client may open (at most 2 readers per shard are allowed, §9.8).
MAX_CONNECTIONS = 32
# §3.3.2: the eventVersion real AWS sends.
EVENT_VERSION = "1.1"
# The starting positions DynamoDB Streams supports (§1.6.6, §7.1).
SUPPORTED_STARTS = frozenset({"TRIM_HORIZON", "LATEST"})

_encode = msgspec.json.Encoder(order="sorted").encode
_encode_ordered = msgspec.json.Encoder().encode


def check_starting_position(stream_arn: str, starting_position: str | None) -> None:
    """Raise §1.6.6's error for AT_TIMESTAMP (and any other position DynamoDB refuses)."""
    if starting_position is not None and starting_position not in SUPPORTED_STARTS:
        raise InvalidParameterValueException(
            f"Unsupported starting position for arn type: {stream_arn}"
        )


class DynamoDBStreamsApi:
    """DynamoDB Streams' calls for one stream, on an entered aiobotocore client."""

    service = "DynamoDB Streams"

    def __init__(self, client: Any, stream_arn: str, region: str) -> None:
        self._client = client
        self._arn = stream_arn
        self._region = region

    async def list_shards(self) -> list[ShardInfo]:
        """Every shard of DescribeStream, following LastEvaluatedShardId."""
        shards: list[ShardInfo] = []
        args: dict[str, Any] = {"StreamArn": self._arn, "Limit": DESCRIBE_PAGE}
        while True:
            described = (await self._client.describe_stream(**args))["StreamDescription"]
            for raw in described.get("Shards", []):
                parent = raw.get("ParentShardId")
                ending = raw.get("SequenceNumberRange", {}).get("EndingSequenceNumber")
                shard = StreamShard(
                    str(raw["ShardId"]), (parent,) if parent else (), closed=ending is not None
                )
                shards.append(ShardInfo(shard, ending))
            last = described.get("LastEvaluatedShardId")
            if not last:
                return shards
            args["ExclusiveStartShardId"] = last

    async def shard_iterator(self, shard_id: str, start: StreamStart) -> str:
        args = sequence_args(start)
        if "StartingSequenceNumber" in args:  # DynamoDB Streams' name for it
            args["SequenceNumber"] = args.pop("StartingSequenceNumber")
        response = await self._client.get_shard_iterator(
            StreamArn=self._arn, ShardId=shard_id, **args
        )
        return str(response["ShardIterator"])

    async def get_records(self, iterator: str, shard_id: str, limit: int) -> RawRead:
        response = await self._client.get_records(
            ShardIterator=iterator, Limit=min(limit, MAX_RECORDS_PER_READ)
        )
        records = [self._record(raw, shard_id) for raw in response.get("Records", [])]
        return RawRead(records, response.get("NextShardIterator"), None)

    def _record(self, raw: dict[str, Any], shard_id: str) -> StreamRecord:
        change = raw.get("dynamodb", {})
        created = epoch_millis(change.get("ApproximateCreationDateTime"))
        event = change_event(raw, self._arn, self._region)
        return StreamRecord(
            sequence_number=str(change["SequenceNumber"]),
            partition_key=_encode(event["dynamodb"].get("Keys", {})).decode("utf-8"),
            data=_encode_ordered(event),
            approximate_arrival_timestamp=created,
            shard_id=shard_id,
        )


def change_event(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """§3.3's event record for a GetRecords record, keys in AWS's order."""
    change = raw.get("dynamodb", {})
    block: dict[str, Any] = {
        # AWS sends whole seconds (§3.3.3).
        "ApproximateCreationDateTime": float(
            int(epoch_millis(change.get("ApproximateCreationDateTime")))
        )
    }
    for key in ("Keys", "NewImage", "OldImage"):
        if key in change:
            block[key] = {name: _wire(value) for name, value in change[key].items()}
    for key in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if key in change:
            block[key] = change[key]
    event: dict[str, Any] = {
        "eventID": raw.get("eventID"),
        "eventName": raw.get("eventName"),
        "eventVersion": EVENT_VERSION,
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion") or region,
        "dynamodb": block,
        "eventSourceARN": stream_arn,
    }
    if raw.get("userIdentity"):
        event["userIdentity"] = {
            "type": raw["userIdentity"].get("Type"),
            "principalId": raw["userIdentity"].get("PrincipalId"),
        }
    return event


def _wire(value: Any) -> Any:
    """An attribute value as DynamoDB JSON (§3.3.5): botocore's bytes back to base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {key: _wire(inner) for key, inner in value.items()}
    if isinstance(value, list | set | tuple):
        return [_wire(inner) for inner in value]
    return value


class DynamoDBStreamSource(AwsStreamSource):
    """A DynamoDB stream: as :class:`AwsStreamSource`, with LATEST found by reading."""

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        """The shard's newest record now, read from its start (None: it holds none)."""
        token = await self.iterator(shard_id, StreamStart("TRIM_HORIZON"))
        latest: str | None = None
        while True:
            chunk = await self.get_records(token, MAX_RECORDS_PER_READ)
            if chunk.records:
                latest = chunk.records[-1].sequence_number
            if chunk.next_iterator is None or not chunk.records:
                return latest
            token = chunk.next_iterator


async def open_dynamodb_stream_source(
    stream_arn: str,
    settings: AwsSettings,
    *,
    clock: Clock,
    default_region: str,
    stack: contextlib.AsyncExitStack | None = None,
) -> DynamoDBStreamSource:
    """The DynamoDB stream ``stream_arn`` as a source, its client open until ``aclose()``.

    Nothing is called yet: a missing stream or denied access shows once the mapping reads.
    Raises ExtraMissing without the ``aws`` extra.
    """
    region = region_of(stream_arn, default_region)
    exits = stack if stack is not None else contextlib.AsyncExitStack()
    client = await exits.enter_async_context(
        create_client("dynamodbstreams", region, settings, max_connections=MAX_CONNECTIONS)
    )
    close = None if stack is not None else exits.aclose
    return DynamoDBStreamSource(
        DynamoDBStreamsApi(client, stream_arn, region),
        stream_arn,
        clock=clock,
        poll_interval=DYNAMODB_POLL_SECONDS,
        close=close,
    )
