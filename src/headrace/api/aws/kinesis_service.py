"""Kinesis Data Streams on the endpoint, over the run's embedded streams.

Every operation is one call of the streams storage (``StreamStorage``, the same one the
engine's embedded stream sources and ``headrace put`` use), opened on the endpoint's first
stream request (:meth:`headrace.mapping_sources.MappingSources.endpoint_streams`). This
module only maps requests to those calls: it picks the stream (``StreamName`` or
``StreamARN``), pages the lists, and checks what only the API has (limits of the paging
members, iterator expiry after five minutes). Differences from Kinesis: ``docs/api.md``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from headrace import arn as arnlib
from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.broker.streams import ITERATOR_TTL_S
from headrace.broker.streams.iterators import ShardIterator
from headrace.broker.streams.stream_results import PutRecordsEntry, ShardInfo
from headrace.broker.streams.stream_validation import check_stream_name
from headrace.config.resources import StreamConfig
from headrace.config.validate_streams import STREAM_NAME
from headrace.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ValidationException,
)

if TYPE_CHECKING:
    from headrace.app import App
    from headrace.broker.streams.stream_seam import StreamStorage

# On-demand streams start with four shards, as Kinesis's do.
ON_DEMAND_SHARDS = 4
# Kinesis's default shard quota of an account in us-east-1 (a stream's ShardCount can not
# pass it); headrace checks each CreateStream alone, not the account's total.
SHARD_LIMIT = 500
# Page sizes: the model's ranges and Kinesis's defaults.
DESCRIBE_STREAM_LIMIT = (1, 10_000, 100)
LIST_STREAMS_LIMIT = (1, 10_000, 100)
LIST_SHARDS_LIMIT = (1, 10_000, 1_000)
_NONE = {"EncryptionType": "NONE"}
_PROVISIONED = {"StreamMode": "PROVISIONED"}


class KinesisService(AwsService):
    """The Kinesis operations of docs/api.md, on ``app``'s embedded streams."""

    service_name = "kinesis"

    def __init__(self, app: App) -> None:
        self._app = app

    async def _storage(self) -> StreamStorage:
        return (await self._app.sources.endpoint_streams()).storage

    def _now(self) -> int:
        return int(self._app.clock.time() * 1000)

    # -- streams ----------------------------------------------------------------------

    async def create_stream(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        name = str(params["StreamName"])
        check_stream_name(name)
        mode = (params.get("StreamModeDetails") or _PROVISIONED).get("StreamMode")
        count = params.get("ShardCount")
        if count is None:
            if mode != "ON_DEMAND":
                raise ValidationException(
                    "ShardCount is required for a stream in PROVISIONED mode."
                )
            count = ON_DEMAND_SHARDS
        _check_range(count, "shardCount", 1, None)
        if int(count) > SHARD_LIMIT:
            raise LimitExceededException(
                f"This request would exceed the shard limit for the account "
                f"{self._app.config.account} in {self._app.config.region}. Limit: {SHARD_LIMIT}. "
                f"Number of additional shards that would have resulted from this request: "
                f"{int(count)}."
            )
        storage = await self._storage()
        if name in await storage.list_streams():
            raise ResourceInUseException(
                f"Stream {name} under account {self._app.config.account} already exists."
            )
        await storage.create_stream(name, StreamConfig(name=name, shard_count=int(count)))
        return {}

    async def delete_stream(self, call: AwsCall) -> dict[str, Any]:
        storage = await self._storage()
        await storage.delete_stream(self._stream(call.params))
        return {}

    async def describe_stream_summary(self, call: AwsCall) -> dict[str, Any]:
        storage = await self._storage()
        summary = await storage.describe_stream_summary(self._stream(call.params))
        return {"StreamDescriptionSummary": summary.to_aws()}

    async def describe_stream(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        limit = _limit(params.get("Limit"), "limit", DESCRIBE_STREAM_LIMIT)
        stream = self._stream(params)
        storage = await self._storage()
        summary = await storage.describe_stream_summary(stream)
        shards = _after(await storage.list_shards(stream), params.get("ExclusiveStartShardId"))
        page = shards[:limit]
        return {
            "StreamDescription": {
                "StreamName": summary.stream_name,
                "StreamARN": summary.stream_arn,
                "StreamStatus": summary.stream_status,
                "StreamModeDetails": _PROVISIONED,
                "Shards": [shard.to_aws() for shard in page],
                "HasMoreShards": len(shards) > limit,
                "RetentionPeriodHours": summary.retention_period_hours,
                "StreamCreationTimestamp": summary.stream_creation_timestamp,
                "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
                **_NONE,
            }
        }

    async def list_streams(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        limit = _limit(params.get("Limit"), "limit", LIST_STREAMS_LIMIT)
        start = params.get("ExclusiveStartStreamName")
        token = params.get("NextToken")
        if token is not None:
            start = _read_token(token, "streams")[0]
        storage = await self._storage()
        names = sorted(n for n in await storage.list_streams() if STREAM_NAME.fullmatch(n))
        if start is not None:
            names = [name for name in names if name > start]
        page, more = names[:limit], len(names) > limit
        summaries = [await storage.describe_stream_summary(name) for name in page]
        out: dict[str, Any] = {
            "StreamNames": page,
            "HasMoreStreams": more,
            "StreamSummaries": [
                {
                    "StreamName": s.stream_name,
                    "StreamARN": s.stream_arn,
                    "StreamStatus": s.stream_status,
                    "StreamModeDetails": _PROVISIONED,
                    "StreamCreationTimestamp": s.stream_creation_timestamp,
                }
                for s in summaries
            ],
        }
        if more:
            out["NextToken"] = _write_token("streams", page[-1])
        return out

    async def list_shards(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        limit = _limit(params.get("MaxResults"), "maxResults", LIST_SHARDS_LIMIT)
        token = params.get("NextToken")
        start: str | None
        if token is not None:
            if params.get("StreamName") is not None or params.get("StreamARN") is not None:
                raise InvalidArgumentException(
                    "NextToken and StreamName cannot be provided together."
                )
            stream, start = _read_token(token, "shards")
        else:
            stream, start = self._stream(params), params.get("ExclusiveStartShardId")
        storage = await self._storage()
        shards = _filtered(await storage.list_shards(stream), params.get("ShardFilter"))
        shards = _after(shards, start)
        page = shards[:limit]
        out: dict[str, Any] = {"Shards": [shard.to_aws() for shard in page]}
        if len(shards) > limit:
            out["NextToken"] = _write_token("shards", stream, page[-1].shard_id)
        return out

    # -- records ----------------------------------------------------------------------

    async def put_record(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        storage = await self._storage()
        result = await storage.put_record(
            self._stream(params),
            params["Data"],
            self._partition_key(params, "PartitionKey"),
            explicit_hash_key=params.get("ExplicitHashKey"),
            sequence_number_for_ordering=params.get("SequenceNumberForOrdering"),
        )
        return {**result.to_aws(), **_NONE}

    async def put_records(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        entries = [
            PutRecordsEntry(
                data=entry["Data"],
                partition_key=self._partition_key(entry, f"Records.{n}.PartitionKey"),
                explicit_hash_key=entry.get("ExplicitHashKey"),
            )
            for n, entry in enumerate(params["Records"])
        ]
        storage = await self._storage()
        result = await storage.put_records(self._stream(params), entries)
        return {**result.to_aws(), **_NONE}

    def _partition_key(self, params: dict[str, Any], path: str) -> str:
        """The record's PartitionKey. Required by AWS, though botocore's model (which the
        wire layer checks required members against) no longer marks it so."""
        key = params.get("PartitionKey")
        if key is None:
            raise self.missing_parameter(path)
        return str(key)

    async def get_shard_iterator(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        timestamp = params.get("Timestamp")
        if isinstance(timestamp, dt.datetime):
            timestamp = timestamp.timestamp()
        storage = await self._storage()
        iterator = await storage.get_shard_iterator(
            self._stream(params),
            params["ShardId"],
            params["ShardIteratorType"],
            starting_sequence_number=params.get("StartingSequenceNumber"),
            timestamp=timestamp,
        )
        return {"ShardIterator": iterator}

    async def get_records(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        token = str(params["ShardIterator"])
        # The run's streams keep iterators valid forever (its own pollers need that); the
        # API's expire after five minutes, as Kinesis's do.
        ShardIterator.decode(token).check_fresh(self._now(), ITERATOR_TTL_S)
        limit = params.get("Limit")
        storage = await self._storage()
        read = await storage.get_records(token, 10_000 if limit is None else int(limit))
        out: dict[str, Any] = {
            "Records": [
                {
                    "SequenceNumber": record.sequence_number,
                    "ApproximateArrivalTimestamp": record.approximate_arrival_timestamp,
                    "Data": record.data,
                    "PartitionKey": record.partition_key,
                }
                for record in read.records
            ],
            "MillisBehindLatest": read.millis_behind_latest,
        }
        if read.next_shard_iterator is not None:
            out["NextShardIterator"] = read.next_shard_iterator
        else:
            out["ChildShards"] = [_child(shard) for shard in read.child_shards]
        return out

    # -- helpers ----------------------------------------------------------------------

    def _stream(self, params: dict[str, Any]) -> str:
        """The stream a request names (``StreamARN`` first); only Kinesis stream names."""
        stream_arn, name = params.get("StreamARN"), params.get("StreamName")
        if stream_arn is not None:
            parsed = arnlib.parse(str(stream_arn))
            if parsed is None or not STREAM_NAME.fullmatch(parsed.resource_name):
                raise ValidationException(
                    f"1 validation error detected: Value '{stream_arn}' at 'streamARN' failed "
                    "to satisfy constraint: Member must satisfy regular expression pattern: "
                    "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"
                )
            return str(stream_arn)
        if name is None:
            raise ValidationException("Either StreamName or StreamARN must be provided.")
        check_stream_name(str(name))
        return str(name)


def serve(app: App) -> KinesisService:
    return KinesisService(app)


def _check_range(value: Any, member: str, low: int, high: int | None) -> None:
    number = int(value)
    if number < low:
        raise ValidationException(
            f"1 validation error detected: Value '{number}' at '{member}' failed to satisfy "
            f"constraint: Member must have value greater than or equal to {low}"
        )
    if high is not None and number > high:
        raise ValidationException(
            f"1 validation error detected: Value '{number}' at '{member}' failed to satisfy "
            f"constraint: Member must have value less than or equal to {high}"
        )


def _limit(value: Any, member: str, bounds: tuple[int, int, int]) -> int:
    """A page size within the model's range (ValidationException), or the default."""
    low, high, default = bounds
    if value is None:
        return default
    _check_range(value, member, low, high)
    return int(value)


def _shard_number(shard_id: str) -> tuple[int, str]:
    """Order shard ids as Kinesis lists them (``shardId-000000000010`` after ``...09``)."""
    digits = shard_id.rpartition("-")[2]
    return (int(digits), shard_id) if digits.isdigit() else (-1, shard_id)


def _after(shards: Sequence[ShardInfo], start: str | None) -> list[ShardInfo]:
    """The shards listed after ``start`` (exclusive; None: all), in shard id order."""
    ordered = sorted(shards, key=lambda shard: _shard_number(shard.shard_id))
    if start is None:
        return ordered
    key = _shard_number(str(start))
    return [shard for shard in ordered if _shard_number(shard.shard_id) > key]


def _filtered(shards: Sequence[ShardInfo], shard_filter: dict[str, Any] | None) -> list[ShardInfo]:
    """ListShards' ShardFilter: AT_LATEST keeps open shards, AFTER_SHARD_ID those after
    ``ShardId``; the TRIM_HORIZON and TIMESTAMP types keep every shard still kept."""
    if shard_filter is None:
        return list(shards)
    kind = shard_filter.get("Type")
    if kind == "AT_LATEST":
        return [shard for shard in shards if not shard.closed]
    if kind == "AFTER_SHARD_ID":
        after = shard_filter.get("ShardId")
        if after is None:
            raise InvalidArgumentException("ShardId must be provided for AFTER_SHARD_ID.")
        return _after(shards, str(after))
    return list(shards)


def _child(shard: ShardInfo) -> dict[str, Any]:
    return {
        "ShardId": shard.shard_id,
        "ParentShards": list(shard.parent_shard_ids),
        "HashKeyRange": {
            "StartingHashKey": shard.starting_hash_key,
            "EndingHashKey": shard.ending_hash_key,
        },
    }


def _write_token(kind: str, *parts: str) -> str:
    return base64.urlsafe_b64encode("\n".join((kind, *parts)).encode()).decode("ascii")


def _read_token(token: str, kind: str) -> tuple[str, str]:
    """A NextToken this service wrote for ``kind``; InvalidArgumentException otherwise."""
    try:
        found, *parts = base64.urlsafe_b64decode(token.encode()).decode().split("\n")
    except (binascii.Error, UnicodeError, ValueError):
        found, parts = "", []
    if found != kind or not 1 <= len(parts) <= 2:
        raise InvalidArgumentException("Invalid NextToken.")
    return parts[0], parts[1] if len(parts) == 2 else ""
