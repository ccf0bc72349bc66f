"""How the stream kinds turn stored records into event records: a per-kind strategy.

The engine declares what it needs as its ``RecordShape`` Protocol
(:mod:`headrace.esm.streams.shapes`); these classes satisfy it, and each stream kind's
opener hands one to the engine.

Kinesis builds the §3.2 record from the stored bytes; a DynamoDB table's change stream
stores the complete §3.3 record as JSON. A shape gives each record's JSON once, as bytes
(payloads are spliced from them, never re-encoded), the record as a dict only where a
filter needs one, and the ordering key that ParallelizationFactor keeps in order (§5.2): the
partition key — for a table's stream the source puts the item's key there.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from headrace.events import StreamRecord, kinesis_record

_encode = msgspec.json.Encoder().encode
_decoder = msgspec.json.Decoder()


def iso_millis(epoch_seconds: float) -> str:
    """``2019-11-14T00:38:04.835Z``: UTC with milliseconds, as Kinesis writes times."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_seconds(epoch_seconds: float) -> str:
    """``2019-11-14T00:13:19Z``: UTC to the second, as DynamoDB Streams writes times."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class KinesisShape:
    """Kinesis records (§3.2); ``invoke_identity_arn`` is the function's role (§3.2.1).

    :meth:`encode` writes the bytes msgspec would write for :func:`kinesis_record`, from a
    template: this is the engine's per-record hot path.
    """

    stream_arn: str
    region: str
    invoke_identity_arn: str
    batch_info_key: str = "KinesisBatchInfo"
    _tail: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        tail = b"".join(
            (
                b',"eventName":"aws:kinesis:record","invokeIdentityArn":',
                _encode(self.invoke_identity_arn),
                b',"awsRegion":',
                _encode(self.region),
                b',"eventSourceARN":',
                _encode(self.stream_arn),
                b"}",
            )
        )
        object.__setattr__(self, "_tail", tail)

    def encode(self, record: StreamRecord) -> bytes:
        sequence = record.sequence_number
        return b"".join(
            (
                b'{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":',
                _encode(record.partition_key),
                b',"sequenceNumber":',
                _encode(sequence),
                b',"data":"',
                base64.b64encode(record.data),
                b'","approximateArrivalTimestamp":',
                _encode(record.approximate_arrival_timestamp),
                b'},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":',
                _encode(f"{record.shard_id}:{sequence}"),
                self._tail,
            )
        )

    def event_record(self, record: StreamRecord) -> dict[str, Any]:
        return dict(kinesis_record(record, self.stream_arn, self.region, self.invoke_identity_arn))

    def ordering_key(self, record: StreamRecord) -> str:
        return record.partition_key

    def arrival_text(self, epoch_seconds: float) -> str:
        return iso_millis(epoch_seconds)


def decode_stored_record(record: StreamRecord) -> dict[str, Any]:
    """A table stream's stored record: its ``data`` is the §3.3 record as JSON."""
    decoded = _decoder.decode(record.data)
    if type(decoded) is not dict:
        raise ValueError(f"stream record {record.sequence_number} is not a JSON object")
    return decoded


@dataclass(frozen=True, slots=True)
class DynamoDBShape:
    """DynamoDB stream records (§3.3), stored whole as JSON; ``decode`` reads one."""

    decode: Callable[[StreamRecord], dict[str, Any]] = decode_stored_record
    batch_info_key: str = "DDBStreamBatchInfo"

    def encode(self, record: StreamRecord) -> bytes:
        return record.data

    def event_record(self, record: StreamRecord) -> dict[str, Any]:
        return self.decode(record)

    def ordering_key(self, record: StreamRecord) -> str:
        return record.partition_key

    def arrival_text(self, epoch_seconds: float) -> str:
        return iso_seconds(epoch_seconds)
