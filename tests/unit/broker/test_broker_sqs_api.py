"""SQS-shaped calls: caps, batch rules and per-entry failures, as SQS reports them."""

from __future__ import annotations

import pytest

from headrace.broker import (
    BatchFailure,
    DeleteEntry,
    QueueBroker,
    SendEntry,
    VisibilityEntry,
)
from headrace.clock import FakeClock
from headrace.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    InvalidParameterValue,
    QueueDoesNotExist,
    ReceiptHandleIsInvalid,
    TooManyEntriesInBatchRequest,
)
from headrace.events import MessageAttributeValue


def entries(count: int) -> list[SendEntry]:
    return [SendEntry(id=f"e{i}", body=f"m{i}") for i in range(count)]


def test_send_batch_sends_in_order(broker: QueueBroker, notified: list[str]) -> None:
    """SQS SendMessageBatch: one result per entry, by Id; one wake-up for the batch."""
    result = broker.send_message_batch("plain", entries(3))
    assert [s.id for s in result.successful] == ["e0", "e1", "e2"]
    assert result.failed == ()
    assert [m.body for m in broker.receive_messages("plain", 10)] == ["m0", "m1", "m2"]
    assert len(notified) == 1


def test_send_batch_reports_bad_entries(broker: QueueBroker) -> None:
    """SQS: an invalid entry fails alone, with its error code; the rest are sent."""
    batch = [
        SendEntry(id="ok", body="fine"),
        SendEntry(id="empty", body=""),
        SendEntry(id="bad", body="\x00"),
        SendEntry(id="late", body="x", delay_seconds=1000),
    ]
    result = broker.send_message_batch("plain", batch)
    assert [s.id for s in result.successful] == ["ok"]
    assert [(f.id, f.code, f.sender_fault) for f in result.failed] == [
        ("empty", "MissingParameter", True),
        ("bad", "InvalidMessageContents", True),
        ("late", "InvalidParameterValue", True),
    ]
    assert broker.queue_depth("plain").visible == 1


def test_send_batch_all_failed_sends_nothing(broker: QueueBroker, notified: list[str]) -> None:
    """A batch whose entries all fail commits nothing and wakes nobody."""
    result = broker.send_message_batch("plain", [SendEntry(id="a", body="")])
    assert result.successful == ()
    assert notified == []


def test_send_batch_fifo_deduplicates_within_the_batch(broker: QueueBroker) -> None:
    """SQS FIFO: a repeated deduplication id inside one batch is a duplicate too."""
    batch = [
        SendEntry(id="a", body="x", message_group_id="g", message_deduplication_id="d"),
        SendEntry(id="b", body="y", message_group_id="g", message_deduplication_id="d"),
    ]
    result = broker.send_message_batch("jobs.fifo", batch)
    first, second = (s.result for s in result.successful)
    assert second.duplicate
    assert second.message_id == first.message_id
    assert broker.queue_depth("jobs.fifo").visible == 1


def test_empty_batch(broker: QueueBroker) -> None:
    """SQS: an empty batch is EmptyBatchRequest."""
    with pytest.raises(EmptyBatchRequest, match="SendMessageBatchRequestEntry"):
        broker.send_message_batch("plain", [])


def test_too_many_entries(broker: QueueBroker) -> None:
    """SQS: more than 10 entries is TooManyEntriesInBatchRequest."""
    with pytest.raises(TooManyEntriesInBatchRequest, match="You have sent 11"):
        broker.send_message_batch("plain", entries(11))


def test_repeated_ids(broker: QueueBroker) -> None:
    """SQS: entry ids must be distinct."""
    batch = [SendEntry(id="a", body="x"), SendEntry(id="a", body="y")]
    with pytest.raises(BatchEntryIdsNotDistinct, match="Id a repeated"):
        broker.send_message_batch("plain", batch)


def test_invalid_entry_id(broker: QueueBroker) -> None:
    """SQS: entry ids are alphanumerics, hyphens and underscores."""
    with pytest.raises(InvalidBatchEntryId):
        broker.send_message_batch("plain", [SendEntry(id="a.b", body="x")])


def test_batch_total_size(broker: QueueBroker) -> None:
    """SQS: a batch's bodies and attributes may total at most 256 KiB."""
    attributes = {"n": MessageAttributeValue("Binary", binary_value=b"\x00" * 10)}
    batch = [
        SendEntry(id="a", body="x" * 200_000),
        SendEntry(id="b", body="y" * 62_128, message_attributes=attributes),
    ]
    with pytest.raises(BatchRequestTooLong, match="You have sent 262145 bytes"):
        broker.send_message_batch("plain", batch)


def test_batch_on_unknown_queue(broker: QueueBroker) -> None:
    """SQS: the queue is checked before the entries."""
    with pytest.raises(QueueDoesNotExist):
        broker.send_message_batch("nope", [])


@pytest.mark.parametrize("count", [0, 11])
def test_receive_message_caps_at_ten(broker: QueueBroker, count: int) -> None:
    """SQS ReceiveMessage: MaxNumberOfMessages must be 1..10."""
    with pytest.raises(InvalidParameterValue, match="MaxNumberOfMessages"):
        broker.receive_message("plain", count)


def test_receive_message_returns_at_most_ten(broker: QueueBroker) -> None:
    """SQS ReceiveMessage hands out up to MaxNumberOfMessages."""
    broker.send_message_batch("plain", entries(10))
    broker.send_message("plain", "extra")
    assert len(broker.receive_message("plain", 10)) == 10


def test_delete_message(broker: QueueBroker) -> None:
    """SQS DeleteMessage removes the message; a stale handle is silently a no-op."""
    broker.send_message("plain", "x")
    message = broker.receive_message("plain")[0]
    broker.delete_message("plain", message.receipt_handle)
    broker.delete_message("plain", message.receipt_handle)
    assert broker.queue_depth("plain").total == 0


def test_delete_message_malformed_handle(broker: QueueBroker) -> None:
    """SQS: a malformed receipt handle is ReceiptHandleIsInvalid."""
    with pytest.raises(ReceiptHandleIsInvalid, match='The input receipt handle "nope"'):
        broker.delete_message("plain", "nope")


def test_delete_message_batch(broker: QueueBroker) -> None:
    """SQS DeleteMessageBatch: malformed handles fail per entry; others succeed."""
    broker.send_message("plain", "x")
    message = broker.receive_message("plain")[0]
    result = broker.delete_message_batch(
        "plain", [DeleteEntry("a", message.receipt_handle), DeleteEntry("b", "junk")]
    )
    assert result.successful == ("a",)
    assert [(f.id, f.code) for f in result.failed] == [("b", "ReceiptHandleIsInvalid")]
    assert broker.queue_depth("plain").total == 0


def test_delete_message_batch_rules(broker: QueueBroker) -> None:
    """The batch rules apply to DeleteMessageBatch too."""
    with pytest.raises(EmptyBatchRequest, match="DeleteMessageBatchRequestEntry"):
        broker.delete_message_batch("plain", [])


def test_change_message_visibility(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS ChangeMessageVisibility on an in-flight message."""
    broker.send_message("plain", "x")
    message = broker.receive_message("plain")[0]
    broker.change_message_visibility("plain", message.receipt_handle, 0)
    assert len(broker.receive_message("plain")) == 1


def test_change_message_visibility_not_in_flight(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: a message that is not in flight cannot have its visibility changed."""
    broker.send_message("plain", "x")
    message = broker.receive_message("plain")[0]
    clock.advance(10)
    with pytest.raises(InvalidParameterValue, match="not available for visibility timeout"):
        broker.change_message_visibility("plain", message.receipt_handle, 30)


def test_change_message_visibility_checks(broker: QueueBroker) -> None:
    """SQS: malformed handles and out-of-range timeouts are refused."""
    with pytest.raises(ReceiptHandleIsInvalid):
        broker.change_message_visibility("plain", "x", 0)
    with pytest.raises(InvalidParameterValue, match="VisibilityTimeout"):
        broker.change_message_visibility("plain", "1-1", 50_000)


def test_change_message_visibility_batch(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS ChangeMessageVisibilityBatch: each entry succeeds or fails on its own."""
    broker.send_message_batch("plain", entries(2))
    a, b = broker.receive_message("plain", 2)
    clock.advance(1)
    result = broker.change_message_visibility_batch(
        "plain",
        [
            VisibilityEntry("a", a.receipt_handle, 0),
            VisibilityEntry("b", b.receipt_handle, 99_999),
            VisibilityEntry("c", "junk", 0),
            VisibilityEntry("d", "12345-1", 0),
        ],
    )
    assert result.successful == ("a",)
    assert [(f.id, f.code) for f in result.failed] == [
        ("b", "InvalidParameterValue"),
        ("c", "ReceiptHandleIsInvalid"),
        ("d", "InvalidParameterValue"),
    ]
    assert isinstance(result.failed[0], BatchFailure)
