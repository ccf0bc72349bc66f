"""Embedded streams with Kinesis Data Streams semantics, in ``<data_dir>/streams.sqlite3``.

- :class:`StreamBroker` — the streams themselves, synchronous and thread-safe: PutRecord(s),
  ListShards, GetShardIterator, GetRecords, UpdateShardCount, trimming by retention, and the
  tip helpers a shard poller needs;
- results with Kinesis's shapes (``to_aws()``); records are
  :class:`headrace.events.StreamRecord`.

``docs/streams.md`` describes storage, sequence numbers, hash ranges, iterators and
resharding.
"""

from __future__ import annotations

from headrace.broker.streams.hashing import (
    HASH_SPACE,
    HashKeyRange,
    even_ranges,
    partition_key_hash,
)
from headrace.broker.streams.iterators import ITERATOR_TTL_S
from headrace.broker.streams.stream_broker import SWEEP_INTERVAL_MS, StreamBroker
from headrace.broker.streams.stream_results import (
    GetRecordsResult,
    PutRecordsEntry,
    PutRecordsResult,
    PutRecordsResultEntry,
    PutResult,
    ShardInfo,
    ShardTip,
    StreamBrokerStatistics,
    StreamSummary,
    UpdateShardCountResult,
)

# The streams file's name inside data_dir (apart from the queues' broker.sqlite3).
STREAMS_FILE_NAME = "streams.sqlite3"

__all__ = [
    "HASH_SPACE",
    "ITERATOR_TTL_S",
    "STREAMS_FILE_NAME",
    "SWEEP_INTERVAL_MS",
    "GetRecordsResult",
    "HashKeyRange",
    "PutRecordsEntry",
    "PutRecordsResult",
    "PutRecordsResultEntry",
    "PutResult",
    "ShardInfo",
    "ShardTip",
    "StreamBroker",
    "StreamBrokerStatistics",
    "StreamSummary",
    "UpdateShardCountResult",
    "even_ranges",
    "partition_key_hash",
]
