"""SendMessage's checks, in SQS's order and with SQS's error names and messages.

:func:`prepare` turns the parameters of one send into an :class:`Outgoing` message (digests
computed, attributes encoded for storage) or raises the error SQS would return.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from headrace.broker.md5 import md5_of_body, md5_of_message_attributes
from headrace.broker.names import validate_group_or_dedup_id
from headrace.broker.queue_results import SendResult
from headrace.config.model import QueueConfig
from headrace.errors import (
    InvalidMessageContents,
    InvalidParameterValue,
    MessageTooLong,
    MissingParameter,
)
from headrace.events import MessageAttributeValue

# SQS's per-message delay range, seconds (0 to 15 minutes).
MAX_DELAY_SECONDS = 900
# SQS allows at most 10 message attributes per message.
MAX_MESSAGE_ATTRIBUTES = 10
# Characters SQS refuses in bodies and string attribute values: anything outside XML 1.0.
_INVALID_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ALLOWED_CHARACTERS = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
# Attribute names: letters, digits, '_', '-', '.'; up to 256 characters.
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
# Attribute data types: String, Number or Binary, optionally with a ".label"; 256 at most.
_ATTRIBUTE_TYPE = re.compile(r"(String|Number|Binary)(\..+)?", re.DOTALL)
_MAX_ATTRIBUTE_TYPE_LENGTH = 256
# SQS Number attributes: a decimal number of at most 38 significant digits.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_MAX_NUMBER_DIGITS = 38

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(list[tuple[str, str, str | None, bytes | None]]).decode


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A validated message, ready to insert. ``size`` is what counts against the limit."""

    body: str
    md5_of_body: str
    attributes_blob: bytes | None
    md5_of_message_attributes: str | None
    delay_seconds: int
    group_id: str | None
    dedup_id: str | None
    size: int

    def sent(
        self, message_id: str, sequence_number: str | None, duplicate: bool = False
    ) -> SendResult:
        """What SendMessage answers once this message is stored (or deduplicated)."""
        return SendResult(
            message_id=message_id,
            md5_of_body=self.md5_of_body,
            md5_of_message_attributes=self.md5_of_message_attributes,
            sequence_number=sequence_number,
            duplicate=duplicate,
        )


def prepare(
    queue: QueueConfig,
    body: str | None,
    *,
    delay_seconds: int | None = None,
    message_attributes: Mapping[str, MessageAttributeValue] | None = None,
    message_group_id: str | None = None,
    message_deduplication_id: str | None = None,
) -> Outgoing:
    """Validate one message for ``queue``; raise SQS's error for the first problem found."""
    text = _check_body(body)
    attributes = dict(message_attributes or {})
    _check_attributes(attributes)
    size = len(text.encode("utf-8")) + sum(_attribute_size(n, v) for n, v in attributes.items())
    if size > queue.maximum_message_size:
        raise MessageTooLong(
            "One or more parameters are invalid. Reason: Message must be shorter than "
            f"{queue.maximum_message_size} bytes."
        )
    delay = _check_delay(queue, delay_seconds)
    group_id, dedup_id = _check_fifo_ids(queue, text, message_group_id, message_deduplication_id)
    return Outgoing(
        body=text,
        md5_of_body=md5_of_body(text),
        attributes_blob=encode_attributes(attributes),
        md5_of_message_attributes=md5_of_message_attributes(attributes),
        delay_seconds=delay,
        group_id=group_id,
        dedup_id=dedup_id,
        size=size,
    )


def encode_attributes(attributes: Mapping[str, MessageAttributeValue]) -> bytes | None:
    """Message attributes as stored (msgpack), or None when there are none."""
    if not attributes:
        return None
    return _encode(
        [(n, v.data_type, v.string_value, v.binary_value) for n, v in attributes.items()]
    )


def decode_attributes(blob: bytes | None) -> dict[str, MessageAttributeValue]:
    """The message attributes :func:`encode_attributes` stored, in their original order."""
    if blob is None:
        return {}
    return {n: MessageAttributeValue(t, s, b) for n, t, s, b in _decode(blob)}


def _check_body(body: str | None) -> str:
    if not body:
        raise MissingParameter("The request must contain the parameter MessageBody.")
    bad = _INVALID_CHARACTER.search(body)
    if bad is not None:
        raise InvalidMessageContents(
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message "
            f"body, the set of allowed characters is {_ALLOWED_CHARACTERS}"
        )
    return body


def _check_delay(queue: QueueConfig, delay_seconds: int | None) -> int:
    if delay_seconds is None:
        return queue.delay_seconds
    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise InvalidParameterValue(
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. Reason: "
            f"DelaySeconds must be >= 0 and <= {MAX_DELAY_SECONDS}."
        )
    if queue.fifo_queue and delay_seconds != 0:
        raise InvalidParameterValue(
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. Reason: The "
            "request include parameter that is not valid for this queue type."
        )
    return delay_seconds


def _check_fifo_ids(
    queue: QueueConfig, body: str, group_id: str | None, dedup_id: str | None
) -> tuple[str | None, str | None]:
    """The (group id, deduplication id) a message is stored with; raise on bad ids."""
    for parameter, value in (("MessageGroupId", group_id), ("MessageDeduplicationId", dedup_id)):
        problem = None if value is None else validate_group_or_dedup_id(parameter, value)
        if problem is not None:
            raise InvalidParameterValue(problem)
    if not queue.fifo_queue:
        if dedup_id is not None:
            raise InvalidParameterValue(
                f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: "
                "The request include parameter that is not valid for this queue type."
            )
        return group_id, None
    if group_id is None:
        raise MissingParameter("The request must contain the parameter MessageGroupId.")
    if dedup_id is None:
        if not queue.content_based_deduplication:
            raise InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )
        dedup_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return group_id, dedup_id


def _check_attributes(attributes: Mapping[str, MessageAttributeValue]) -> None:
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}]."
        )
    for name, value in attributes.items():
        _check_attribute_name(name)
        _check_attribute_value(name, value)


def _check_attribute_name(name: str) -> None:
    if name.lower().startswith(("aws.", "amazon.")):
        raise InvalidParameterValue(
            f"Message (user) attribute name '{name}' is invalid. The attribute name must "
            "not start with AWS-reserved prefixes 'AWS.' or 'Amazon.'."
        )
    if not _ATTRIBUTE_NAME.fullmatch(name) or name[0] == "." or name[-1] == "." or ".." in name:
        raise InvalidParameterValue(
            f"Message (user) attribute name '{name}' is invalid. The attribute name can "
            "contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.). The name "
            "must not start or end with a period, and it should not have successive periods."
        )


def _check_attribute_value(name: str, value: MessageAttributeValue) -> None:
    data_type = value.data_type
    if len(data_type) > _MAX_ATTRIBUTE_TYPE_LENGTH or not _ATTRIBUTE_TYPE.fullmatch(data_type):
        raise InvalidParameterValue(
            f"The type of message (user) attribute '{name}' is invalid. You must use only "
            "the following supported type prefixes: Binary, Number, String."
        )
    binary = data_type.startswith("Binary")
    present = value.binary_value if binary else value.string_value
    if not present:
        raise InvalidParameterValue(
            f"The message attribute '{name}' must contain non-empty message attribute "
            f"value for message attribute type '{data_type}'."
        )
    if binary:
        return
    text = value.string_value or ""
    if _INVALID_CHARACTER.search(text):
        raise InvalidParameterValue(
            f"Message (user) attribute '{name}' must contain only characters from the set "
            f"{_ALLOWED_CHARACTERS}."
        )
    if data_type.startswith("Number") and not _is_number(text):
        raise InvalidParameterValue(
            f"Can't cast the value of message (user) attribute '{name}' to a number."
        )


def _is_number(text: str) -> bool:
    match = _NUMBER.fullmatch(text)
    if match is None:
        return False
    digits = match.group(1).replace(".", "").lstrip("0")
    return len(digits) <= _MAX_NUMBER_DIGITS


def _attribute_size(name: str, value: MessageAttributeValue) -> int:
    """Bytes an attribute counts against MaximumMessageSize: name + type + value."""
    payload = (
        len(value.binary_value or b"")
        if value.data_type.startswith("Binary")
        else len((value.string_value or "").encode("utf-8"))
    )
    return len(name.encode("utf-8")) + len(value.data_type.encode("utf-8")) + payload
