"""SQS messages between the API's shapes and the broker's: message attributes in, sent and
received messages and batch results out.

A received message carries the system attributes and message attributes the request named
(``All``, ``.*``, a ``prefix.*`` or exact names); ``MD5OfMessageAttributes`` is the digest
of the attributes returned, which is what the SDKs check it against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from headrace.broker.md5 import md5_of_message_attributes
from headrace.broker.queue_results import (
    BatchFailure,
    BatchResult,
    DeleteEntry,
    SendBatchSuccess,
    SendEntry,
    SendResult,
    VisibilityEntry,
)
from headrace.errors import InvalidParameterValue
from headrace.events import MessageAttributeValue, QueueMessage


def attribute_values(
    wire: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, MessageAttributeValue] | None:
    """SendMessage's ``MessageAttributes`` as the broker takes them (None: none given)."""
    if not wire:
        return None
    values: dict[str, MessageAttributeValue] = {}
    for name, value in wire.items():
        data_type = value.get("DataType")
        if not data_type:
            raise InvalidParameterValue(
                f"The message attribute '{name}' must contain non-empty message attribute type."
            )
        values[name] = MessageAttributeValue(
            data_type, string_value=value.get("StringValue"), binary_value=value.get("BinaryValue")
        )
    return values


def send_entries(entries: Sequence[Mapping[str, Any]]) -> list[SendEntry]:
    """SendMessageBatch's entries for the broker."""
    return [
        SendEntry(
            id=entry["Id"],
            body=entry["MessageBody"],
            delay_seconds=entry.get("DelaySeconds"),
            message_attributes=attribute_values(entry.get("MessageAttributes")),
            message_group_id=entry.get("MessageGroupId"),
            message_deduplication_id=entry.get("MessageDeduplicationId"),
        )
        for entry in entries
    ]


def delete_entries(entries: Sequence[Mapping[str, Any]]) -> list[DeleteEntry]:
    """DeleteMessageBatch's entries for the broker."""
    return [DeleteEntry(entry["Id"], entry["ReceiptHandle"]) for entry in entries]


def visibility_entries(entries: Sequence[Mapping[str, Any]]) -> list[VisibilityEntry]:
    """ChangeMessageVisibilityBatch's entries (a missing VisibilityTimeout is 0, as SQS)."""
    return [
        VisibilityEntry(entry["Id"], entry["ReceiptHandle"], entry.get("VisibilityTimeout", 0))
        for entry in entries
    ]


def sent(result: SendResult) -> dict[str, Any]:
    """SendMessage's output (and a SendMessageBatch success without its Id)."""
    return {
        "MessageId": result.message_id,
        "MD5OfMessageBody": result.md5_of_body,
        "MD5OfMessageAttributes": result.md5_of_message_attributes,
        "SequenceNumber": result.sequence_number,
    }


def send_batch_output(batch: BatchResult[SendBatchSuccess]) -> dict[str, Any]:
    """SendMessageBatch's output."""
    successful = [{"Id": entry.id, **sent(entry.result)} for entry in batch.successful]
    return {"Successful": successful, "Failed": failures(batch.failed)}


def id_batch_output(batch: BatchResult[str]) -> dict[str, Any]:
    """DeleteMessageBatch's and ChangeMessageVisibilityBatch's output."""
    return {
        "Successful": [{"Id": id_} for id_ in batch.successful],
        "Failed": failures(batch.failed),
    }


def failures(failed: Iterable[BatchFailure]) -> list[dict[str, Any]]:
    """A batch's ``Failed`` entries."""
    return [
        {"Id": f.id, "SenderFault": f.sender_fault, "Code": f.code, "Message": f.message}
        for f in failed
    ]


def received(
    message: QueueMessage, system_names: Sequence[str], attribute_names: Sequence[str]
) -> dict[str, Any]:
    """One ReceiveMessage ``Messages`` entry with the attributes the request named."""
    out: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
    }
    wanted = set(system_names)
    system = {k: v for k, v in message.attributes.items() if "All" in wanted or k in wanted}
    if system:
        out["Attributes"] = system
    chosen = {
        name: value
        for name, value in message.message_attributes.items()
        if _named(name, attribute_names)
    }
    if chosen:
        out["MessageAttributes"] = {name: _attribute_out(v) for name, v in chosen.items()}
        out["MD5OfMessageAttributes"] = md5_of_message_attributes(chosen)
    return out


def _named(name: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if pattern in ("All", ".*") or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


def _attribute_out(value: MessageAttributeValue) -> dict[str, Any]:
    out: dict[str, Any] = {"DataType": value.data_type}
    if value.string_value is not None:
        out["StringValue"] = value.string_value
    if value.binary_value is not None:
        out["BinaryValue"] = value.binary_value
    return out
