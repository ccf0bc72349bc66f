"""A real Kinesis data stream (AWS, moto, or any compatible endpoint) as a StreamSource.

:func:`open_kinesis_source` opens an aiobotocore client in the stream's region and returns
an :class:`~headrace.sources.aws_streams.AwsStreamSource` over :class:`KinesisApi`. Reading,
pacing (each shard once a second at its tip, at once while behind, §2.11), renewing
expired iterators and error handling are in :mod:`headrace.sources.aws_streams`; this module
holds what is Kinesis's own:

- **ListShards** with pagination (NextToken), every shard with its parents (a merge has
  two: ``ParentShardId`` and ``AdjacentParentShardId``) and whether it is closed;
- **GetRecords** returns ``Data`` as bytes and ``ApproximateArrivalTimestamp`` as a time,
  turned into the engine's :class:`~headrace.events.StreamRecord` (the engine's
  ``KinesisShape`` builds §3.2's record from it); at most :data:`MAX_RECORDS_PER_READ`.
- **AT_TIMESTAMP** (§7.1) is passed through; a LATEST start is kept as the time it was
  resolved (see ``AT_TIMESTAMP_MARK``).

Checkpoints are kept by the engine in headrace's state store, as for embedded streams.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from headrace.aws.clients import AwsSettings, create_client, region_of
from headrace.clock import Clock
from headrace.events import StreamRecord
from headrace.sources.aws_streams import (
    AwsStreamSource,
    RawRead,
    ShardInfo,
    sequence_args,
)
from headrace.sources.source_seam import StreamShard, StreamStart

# §2.11: Lambda polls each Kinesis shard at a base rate of once per second.
KINESIS_POLL_SECONDS = 1.0
# GetRecords returns at most 10,000 records per call (Kinesis quota).
MAX_RECORDS_PER_READ = 10_000
# ListShards' largest page; fewer pages, fewer calls against its 100 calls/s quota.
LIST_SHARDS_PAGE = 1000
# Connections one stream's client may open: one read per shard poller at a time is enough
# for most streams; reads beyond it queue for a connection rather than fail.
MAX_CONNECTIONS = 64


class KinesisApi:
    """Kinesis's calls for one stream, on an entered aiobotocore client."""

    service = "Kinesis"

    def __init__(self, client: Any, stream_arn: str) -> None:
        self._client = client
        self._arn = stream_arn
        self._token_needs_arn = False

    async def list_shards(self) -> list[ShardInfo]:
        """Every shard, following NextToken to the last page."""
        shards: list[ShardInfo] = []
        response = await self._client.list_shards(StreamARN=self._arn, MaxResults=LIST_SHARDS_PAGE)
        while True:
            shards.extend(_shard_info(raw) for raw in response.get("Shards", []))
            token = response.get("NextToken")
            if not token:
                return shards
            response = await self._next_page(token)

    async def shard_iterator(self, shard_id: str, start: StreamStart) -> str:
        response = await self._client.get_shard_iterator(
            StreamARN=self._arn, ShardId=shard_id, **sequence_args(start)
        )
        return str(response["ShardIterator"])

    async def get_records(self, iterator: str, shard_id: str, limit: int) -> RawRead:
        response = await self._client.get_records(
            StreamARN=self._arn, ShardIterator=iterator, Limit=min(limit, MAX_RECORDS_PER_READ)
        )
        records = [_record(raw, shard_id) for raw in response.get("Records", [])]
        behind = response.get("MillisBehindLatest")
        return RawRead(records, response.get("NextShardIterator"), int(behind or 0))

    async def _next_page(self, token: str) -> Any:
        """AWS takes NextToken alone; moto also wants the stream (its token checks it)."""
        if not self._token_needs_arn:
            try:
                return await self._client.list_shards(NextToken=token, MaxResults=LIST_SHARDS_PAGE)
            except Exception as exc:  # moto: InvalidToken (its token checks the stream)
                if getattr(exc, "response", {}).get("Error", {}).get("Code") not in (
                    "InvalidToken",
                    "ResourceNotFoundException",
                    "InvalidArgumentException",
                ):
                    raise
                self._token_needs_arn = True
        return await self._client.list_shards(
            StreamARN=self._arn, NextToken=token, MaxResults=LIST_SHARDS_PAGE
        )


def _shard_info(raw: dict[str, Any]) -> ShardInfo:
    parents = tuple(p for p in (raw.get("ParentShardId"), raw.get("AdjacentParentShardId")) if p)
    ending = raw.get("SequenceNumberRange", {}).get("EndingSequenceNumber")
    shard = StreamShard(str(raw["ShardId"]), parents, closed=ending is not None)
    return ShardInfo(shard, ending)


def _record(raw: dict[str, Any], shard_id: str) -> StreamRecord:
    """A GetRecords record as the engine's StreamRecord (arrival: epoch s, ms precision)."""
    arrival = raw.get("ApproximateArrivalTimestamp")
    return StreamRecord(
        sequence_number=str(raw["SequenceNumber"]),
        partition_key=str(raw["PartitionKey"]),
        data=bytes(raw["Data"]),
        approximate_arrival_timestamp=epoch_millis(arrival),
        shard_id=shard_id,
    )


def epoch_millis(moment: Any) -> float:
    """A botocore time (a datetime, or epoch seconds) as epoch seconds to the millisecond."""
    if isinstance(moment, datetime.datetime):
        return round(moment.timestamp(), 3)
    return round(float(moment or 0.0), 3)


async def open_kinesis_source(
    stream_arn: str,
    settings: AwsSettings,
    *,
    clock: Clock,
    default_region: str,
    stack: contextlib.AsyncExitStack | None = None,
) -> AwsStreamSource:
    """The Kinesis stream ``stream_arn`` as a source, its client open until ``aclose()``.

    Nothing is called yet: a missing stream or denied access shows once the mapping reads
    (as a problem it recovers from). Raises ExtraMissing without the ``aws`` extra.
    """
    region = region_of(stream_arn, default_region)
    exits = stack if stack is not None else contextlib.AsyncExitStack()
    client = await exits.enter_async_context(
        create_client("kinesis", region, settings, max_connections=MAX_CONNECTIONS)
    )
    close = None if stack is not None else exits.aclose
    return AwsStreamSource(
        KinesisApi(client, stream_arn),
        stream_arn,
        clock=clock,
        poll_interval=KINESIS_POLL_SECONDS,
        close=close,
    )
