"""Change records: the DynamoDB Streams event record each table write stores (§3.3).

A record is stored whole, as JSON, in the ``data`` of a record of the table's embedded
stream, so :func:`dynamodb_event_record` only decodes it. Its keys and their order are
those AWS sends (§3.3, recorded in the DynamoDB snapshot): ``eventID`` (32 hex digits,
unique), ``eventName``, ``eventVersion`` ``"1.1"`` (§3.3.2), ``eventSource``, ``awsRegion``,
``dynamodb`` {``ApproximateCreationDateTime`` (epoch seconds, a number rounded down to the
second, §3.3.3), ``Keys``, ``NewImage`` / ``OldImage`` as the view type and event ask
(§3.3.1), ``SequenceNumber`` (the stream record's, a string), ``SizeBytes``,
``StreamViewType``}, ``eventSourceARN`` (the stream ARN). ``userIdentity`` is left out: it
only marks TTL deletions (§3.3.4), which embedded tables do not make.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from headrace.broker.tables.attribute_values import Item
from headrace.broker.tables.sizes import record_size
from headrace.events import StreamRecord

# §3.3.2: real AWS sends "1.1" (the documentation still shows "1.0").
EVENT_VERSION = "1.1"
EVENT_SOURCE = "aws:dynamodb"
# Which images each view type carries (§3.3.1); INSERT never has an old image, REMOVE no new.
_NEW_IMAGE_VIEWS = frozenset({"NEW_IMAGE", "NEW_AND_OLD_IMAGES"})
_OLD_IMAGE_VIEWS = frozenset({"OLD_IMAGE", "NEW_AND_OLD_IMAGES"})

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(dict[str, Any])


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """One item write that changed the table: the item before and after (None: absent)."""

    keys: Item
    old: Item | None
    new: Item | None

    @property
    def event_name(self) -> str:
        """INSERT (no item before), REMOVE (none after) or MODIFY."""
        if self.old is None:
            return "INSERT"
        return "REMOVE" if self.new is None else "MODIFY"


@dataclass(frozen=True, kw_only=True, slots=True)
class StreamContext:
    """What every record of one table's stream shares."""

    region: str
    stream_arn: str
    view_type: str


def change_record(
    change: Change, context: StreamContext, *, created_at: float, sequence_number: str
) -> dict[str, Any]:
    """The DynamoDB Streams event record of ``change`` (§3.3), keys in AWS's order."""
    new_image = change.new if context.view_type in _NEW_IMAGE_VIEWS else None
    old_image = change.old if context.view_type in _OLD_IMAGE_VIEWS else None
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": float(int(created_at)),
        "Keys": change.keys,
    }
    if new_image is not None:
        body["NewImage"] = new_image
    if old_image is not None:
        body["OldImage"] = old_image
    body["SequenceNumber"] = sequence_number
    body["SizeBytes"] = record_size(change.keys, new_image, old_image)
    body["StreamViewType"] = context.view_type
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": change.event_name,
        "eventVersion": EVENT_VERSION,
        "eventSource": EVENT_SOURCE,
        "awsRegion": context.region,
        "dynamodb": body,
        "eventSourceARN": context.stream_arn,
    }


def encode_change_record(
    change: Change, context: StreamContext, *, created_at: float, sequence_number: str
) -> bytes:
    """:func:`change_record` as the JSON bytes stored in the stream record's data."""
    record = change_record(change, context, created_at=created_at, sequence_number=sequence_number)
    return _encoder.encode(record)


def dynamodb_event_record(stream_record: StreamRecord) -> dict[str, Any]:
    """The record the engine puts in ``Records`` for a record read from a table's stream.

    Raises ``msgspec.DecodeError`` if the stream record is not a table's change record.
    """
    return _decoder.decode(stream_record.data)
