"""MD5 digests as SQS computes them (checked against a recording of real AWS)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from headrace.broker import md5_of_body, md5_of_message_attributes
from headrace.events import MessageAttributeValue

RECORDING = Path("/work/shared/reference/aws-recordings/test_lambda_integration_sqs.snapshot.json")
# A copy of the recorded values, so the test runs where the reference folder is absent.
RECORDED_ATTRIBUTES = {
    "WeeksOn": {"stringValue": "6", "dataType": "Number"},
    "Author": {"stringValue": "John Grisham", "dataType": "String"},
    "Title": {"stringValue": "The Whistler", "dataType": "String"},
}
RECORDED_MD5 = "d25a6aea97eb8f585bfa92d314504a92"


def _recorded() -> tuple[dict[str, dict[str, str]], str]:
    if not RECORDING.exists():
        return RECORDED_ATTRIBUTES, RECORDED_MD5
    data = json.loads(RECORDING.read_text())
    key = next(k for k in data if "test_message_body_and_attributes_passed_correctly" in k)
    record = data[key]["recorded-content"]["first_attempt"]["Messages"][0]["Body"]["event"][
        "Records"
    ][0]
    return record["messageAttributes"], record["md5OfMessageAttributes"]


def test_attribute_md5_matches_recorded_aws_value() -> None:
    """§3.1.4: md5OfMessageAttributes equals what SQS computed for the same attributes."""
    attributes, expected = _recorded()
    values = {
        name: MessageAttributeValue(a["dataType"], string_value=a["stringValue"])
        for name, a in attributes.items()
    }
    assert md5_of_message_attributes(values) == expected == RECORDED_MD5


def test_attribute_md5_does_not_depend_on_order() -> None:
    """SQS sorts attributes by name before digesting them."""
    a = MessageAttributeValue("String", "1")
    b = MessageAttributeValue("Number", "2")
    assert md5_of_message_attributes({"a": a, "b": b}) == md5_of_message_attributes(
        {"b": b, "a": a}
    )


def test_binary_attributes_use_transport_byte_two() -> None:
    """SQS digests Binary values with transport byte 2 and their raw bytes."""
    value = MessageAttributeValue("Binary", binary_value=b"\x00\xff")
    expected = hashlib.md5(
        b"\x00\x00\x00\x03bin" + b"\x00\x00\x00\x06Binary" + b"\x02" + b"\x00\x00\x00\x02\x00\xff"
    ).hexdigest()
    assert md5_of_message_attributes({"bin": value}) == expected


def test_no_attributes_no_digest() -> None:
    """§3.1.4: without attributes there is no md5OfMessageAttributes."""
    assert md5_of_message_attributes({}) is None


def test_body_md5_is_md5_of_utf8() -> None:
    """SQS: MD5OfMessageBody is the hex MD5 of the body's UTF-8 bytes."""
    assert md5_of_body("héllo") == hashlib.md5("héllo".encode()).hexdigest()
