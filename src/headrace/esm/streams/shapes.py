"""How each kind of stream turns its records into event records: a per-source strategy.

Kinesis builds the §3.2 record from the stored bytes; a DynamoDB table's change stream
stores the complete §3.3 record as JSON and decodes it. Both give the ordering key that
ParallelizationFactor keeps in order (§5.2): the partition key, or the item's key.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from headrace.events import StreamRecord, kinesis_record

_decoder = msgspec.json.Decoder()


class RecordShape(Protocol):
    """One stream kind's record shaping (§3.2, §3.3) and on-failure batch info (§4.2.10)."""

    @property
    def batch_info_key(self) -> str:
        """``KinesisBatchInfo`` or ``DDBStreamBatchInfo``."""
        ...

    def event_record(self, record: StreamRecord) -> dict[str, Any]:
        """The record as Lambda puts it in ``Records``."""
        ...

    def ordering_key(self, record: StreamRecord, event: dict[str, Any]) -> str:
        """The key whose records stay in order across lanes (§5.2)."""
        ...

    def arrival_text(self, epoch_seconds: float) -> str:
        """An arrival time as the on-failure record writes it (§4.2.10)."""
        ...


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
    """Kinesis records (§3.2); ``invoke_identity_arn`` is the function's role (§3.2.1)."""

    stream_arn: str
    region: str
    invoke_identity_arn: str
    batch_info_key: str = "KinesisBatchInfo"

    def event_record(self, record: StreamRecord) -> dict[str, Any]:
        return dict(kinesis_record(record, self.stream_arn, self.region, self.invoke_identity_arn))

    def ordering_key(self, record: StreamRecord, event: dict[str, Any]) -> str:
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
    """DynamoDB stream records (§3.3), decoded from the stored JSON by ``decode``."""

    decode: Callable[[StreamRecord], dict[str, Any]] = decode_stored_record
    batch_info_key: str = "DDBStreamBatchInfo"

    def event_record(self, record: StreamRecord) -> dict[str, Any]:
        return self.decode(record)

    def ordering_key(self, record: StreamRecord, event: dict[str, Any]) -> str:
        keys = (event.get("dynamodb") or {}).get("Keys")
        if keys is None:
            return record.partition_key
        return msgspec.json.encode(keys, order="sorted").decode("utf-8")

    def arrival_text(self, epoch_seconds: float) -> str:
        return iso_seconds(epoch_seconds)
