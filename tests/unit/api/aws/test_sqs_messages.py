"""Messages between SQS's API shapes and the broker's."""

from __future__ import annotations

import pytest

from headrace.api.aws.sqs_messages import attribute_values, received
from headrace.broker.md5 import md5_of_message_attributes
from headrace.errors import InvalidParameterValue
from headrace.events import MessageAttributeValue, QueueMessage

ATTRIBUTES = {
    "a.one": MessageAttributeValue("String", string_value="1"),
    "a.two": MessageAttributeValue("Binary", binary_value=b"2"),
    "b": MessageAttributeValue("Number", string_value="3"),
}
MESSAGE = QueueMessage(
    message_id="m",
    receipt_handle="1-1",
    body="x",
    md5_of_body="md5",
    attributes={"ApproximateReceiveCount": "1", "SentTimestamp": "5"},
    message_attributes=ATTRIBUTES,
    md5_of_message_attributes=md5_of_message_attributes(ATTRIBUTES),
)


def test_attribute_values_need_a_data_type() -> None:
    """A message attribute without DataType is InvalidParameterValue."""
    assert attribute_values(None) is None
    with pytest.raises(InvalidParameterValue):
        attribute_values({"x": {"StringValue": "1"}})


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["All"], {"a.one", "a.two", "b"}),
        ([".*"], {"a.one", "a.two", "b"}),
        (["a.*"], {"a.one", "a.two"}),
        (["b", "c"], {"b"}),
        ([], set()),
    ],
)
def test_received_message_attributes_by_name_and_prefix(
    names: list[str], expected: set[str]
) -> None:
    """MessageAttributeNames: All, .*, a prefix.* or exact names; the MD5 covers those returned."""
    out = received(MESSAGE, [], names)
    assert set(out.get("MessageAttributes", {})) == expected
    chosen = {k: v for k, v in ATTRIBUTES.items() if k in expected}
    assert out.get("MD5OfMessageAttributes") == md5_of_message_attributes(chosen)


def test_received_system_attributes_by_name() -> None:
    """System attributes: All or the names asked for; none asked, none returned."""
    assert received(MESSAGE, ["All"], [])["Attributes"] == MESSAGE.attributes
    assert received(MESSAGE, ["SentTimestamp"], [])["Attributes"] == {"SentTimestamp": "5"}
    assert "Attributes" not in received(MESSAGE, [], [])
