"""SendMessage: what is stored, and every check SQS makes, with SQS's errors."""

from __future__ import annotations

import pytest
from broker_helpers import ACCOUNT, BrokerFactory, queue_arn

from headrace.broker import QueueBroker
from headrace.broker.md5 import md5_of_body
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.errors import (
    InvalidMessageContents,
    InvalidParameterValue,
    MessageTooLong,
    MissingParameter,
    QueueDoesNotExist,
)
from headrace.events import MessageAttributeValue


def test_send_returns_id_and_body_md5(broker: QueueBroker) -> None:
    """SQS: SendMessage returns the MessageId and MD5OfMessageBody."""
    result = broker.send_message("plain", "hello")
    assert result.md5_of_body == md5_of_body("hello")
    assert result.md5_of_message_attributes is None
    assert result.sequence_number is None
    assert len(result.message_id) == 36


def test_received_message_keeps_body_exactly(broker: QueueBroker) -> None:
    """§3.1.5: the body is returned exactly as sent."""
    body = '{"a": 1}\n\t\u00e9\U0001f600'
    broker.send_message("plain", body)
    assert broker.receive_messages("plain", 1)[0].body == body


def test_system_attributes_in_sqs_order(broker: QueueBroker, clock: FakeClock) -> None:
    """§3.1, §3.1.1: attributes are strings in SQS's order; SenderId is the account."""
    broker.send_message("plain", "x")
    clock.advance(2.5)
    message = broker.receive_messages("plain", 1)[0]
    sent = 1_700_000_000_000
    assert list(message.attributes.items()) == [
        ("ApproximateReceiveCount", "1"),
        ("SentTimestamp", str(sent)),
        ("SenderId", ACCOUNT),
        ("ApproximateFirstReceiveTimestamp", str(sent + 2500)),
    ]


def test_message_attributes_round_trip(broker: QueueBroker) -> None:
    """§3.1.3: message attributes come back with their types and values, MD5 included."""
    attributes = {
        "Author": MessageAttributeValue("String", "John Grisham"),
        "WeeksOn": MessageAttributeValue("Number", "6"),
        "Blob": MessageAttributeValue("Binary.gz", binary_value=b"\x00\x01"),
    }
    sent = broker.send_message("plain", "x", message_attributes=attributes)
    message = broker.receive_messages("plain", 1)[0]
    assert message.message_attributes == attributes
    assert message.md5_of_message_attributes == sent.md5_of_message_attributes is not None


def test_unknown_queue(broker: QueueBroker) -> None:
    """SQS: an undeclared queue is QueueDoesNotExist."""
    with pytest.raises(QueueDoesNotExist, match=r"The specified queue does not exist\."):
        broker.send_message("nope", "x")


def test_queue_by_arn(broker: QueueBroker) -> None:
    """A queue may be named by its ARN; an ARN of another account is not declared."""
    broker.send_message(queue_arn("plain"), "x")
    assert broker.queue_depth("plain").visible == 1
    with pytest.raises(QueueDoesNotExist):
        broker.send_message("arn:aws:sqs:us-east-1:000000000000:plain", "x")


def test_empty_body_is_missing(broker: QueueBroker) -> None:
    """SQS: an empty body is MissingParameter MessageBody."""
    with pytest.raises(MissingParameter, match="MessageBody"):
        broker.send_message("plain", "")


def test_invalid_characters_rejected(broker: QueueBroker) -> None:
    """SQS: characters outside XML 1.0 are InvalidMessageContents naming the character."""
    with pytest.raises(InvalidMessageContents, match="Invalid binary character '#x1'"):
        broker.send_message("plain", "a\x01b")


def test_lone_surrogate_rejected(broker: QueueBroker) -> None:
    """SQS: #xD800-#xDFFF are not allowed."""
    with pytest.raises(InvalidMessageContents, match="#xD800"):
        broker.send_message("plain", "a\ud800")


def test_size_counts_body_and_attributes(make_broker: BrokerFactory) -> None:
    """SQS: body bytes plus attribute names, types and values count against the limit."""
    broker = make_broker({"small": QueueConfig(name="small", maximum_message_size=1024)})
    broker.send_message("small", "é" * 512)  # 1024 UTF-8 bytes: exactly the limit
    attributes = {"n": MessageAttributeValue("String", "v")}
    with pytest.raises(MessageTooLong, match="Message must be shorter than 1024 bytes"):
        broker.send_message("small", "x" * 1017, message_attributes=attributes)
    broker.send_message("small", "x" * 1016, message_attributes=attributes)


def test_delay_range(broker: QueueBroker) -> None:
    """SQS: DelaySeconds must be 0..900."""
    with pytest.raises(InvalidParameterValue, match="DelaySeconds must be >= 0 and <= 900"):
        broker.send_message("plain", "x", delay_seconds=901)


def test_deduplication_id_not_for_standard_queues(broker: QueueBroker) -> None:
    """SQS: MessageDeduplicationId is not valid on a standard queue."""
    with pytest.raises(InvalidParameterValue, match="not valid for this queue type"):
        broker.send_message("plain", "x", message_deduplication_id="d")


def test_group_id_on_standard_queue_is_returned(broker: QueueBroker) -> None:
    """SQS fair queues: a standard queue accepts MessageGroupId and returns it."""
    broker.send_message("plain", "x", message_group_id="tenant-1")
    message = broker.receive_messages("plain", 1)[0]
    assert message.attributes["MessageGroupId"] == "tenant-1"
    assert "SequenceNumber" not in message.attributes


@pytest.mark.parametrize(
    ("attributes", "match"),
    [
        ({f"a{i}": MessageAttributeValue("String", "v") for i in range(11)}, r"\[11\] exceeds"),
        ({"AWS.x": MessageAttributeValue("String", "v")}, "AWS-reserved prefixes"),
        ({"amazon.x": MessageAttributeValue("String", "v")}, "AWS-reserved prefixes"),
        ({".x": MessageAttributeValue("String", "v")}, "must not start or end with a period"),
        ({"a..b": MessageAttributeValue("String", "v")}, "successive periods"),
        ({"a b": MessageAttributeValue("String", "v")}, "attribute name can contain"),
        ({"a": MessageAttributeValue("Text", "v")}, "supported type prefixes"),
        ({"a": MessageAttributeValue("String", "")}, "non-empty message attribute value"),
        ({"a": MessageAttributeValue("Binary", "v")}, "non-empty message attribute value"),
        ({"a": MessageAttributeValue("Number", "12a")}, "to a number"),
        ({"a": MessageAttributeValue("Number", "1" * 39)}, "to a number"),
        ({"a": MessageAttributeValue("String", "\x00")}, "must contain only characters"),
    ],
)
def test_bad_message_attributes(
    broker: QueueBroker, attributes: dict[str, MessageAttributeValue], match: str
) -> None:
    """SQS: invalid message attributes are InvalidParameterValue with SQS's reason."""
    with pytest.raises(InvalidParameterValue, match=match):
        broker.send_message("plain", "x", message_attributes=attributes)


@pytest.mark.parametrize("number", ["6", "-1.5", "+.5", "1e10", "0" * 50 + "1", "1" * 38])
def test_numbers_accepted(broker: QueueBroker, number: str) -> None:
    """SQS: Number attributes take decimal numbers of up to 38 significant digits."""
    attributes = {"n": MessageAttributeValue("Number.int", number)}
    broker.send_message("plain", "x", message_attributes=attributes)


def test_send_notifies_the_queue(broker: QueueBroker, notified: list[str]) -> None:
    """A committed send wakes the queue's long polls."""
    broker.send_message("plain", "x")
    assert notified == [queue_arn("plain")]
