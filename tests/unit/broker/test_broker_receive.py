"""ReceiveMessage, DeleteMessage and visibility: SQS's semantics, on a fake clock."""

from __future__ import annotations

import pytest
from broker_helpers import BrokerFactory, queue_arn

from headrace.broker import QueueBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.errors import InvalidParameterValue
from headrace.statistics import QueueDepth


def send(broker: QueueBroker, queue: str, count: int) -> list[str]:
    return [broker.send_message(queue, f"m{i}").message_id for i in range(count)]


def test_receive_hides_for_the_visibility_timeout(broker: QueueBroker, clock: FakeClock) -> None:
    """§4.1.1: a received message stays hidden for the queue's visibility timeout."""
    send(broker, "plain", 1)
    assert len(broker.receive_messages("plain", 10)) == 1
    clock.advance(9.999)
    assert broker.receive_messages("plain", 10) == []
    clock.advance(0.001)
    assert len(broker.receive_messages("plain", 10)) == 1


def test_per_call_visibility_timeout(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: ReceiveMessage's VisibilityTimeout overrides the queue's for that receive."""
    send(broker, "plain", 1)
    broker.receive_messages("plain", 1, visibility_timeout=100)
    clock.advance(99)
    assert broker.receive_messages("plain", 1) == []
    clock.advance(1)
    assert len(broker.receive_messages("plain", 1)) == 1


def test_visibility_timeout_range(broker: QueueBroker) -> None:
    """SQS: a visibility timeout outside 0..43200 is InvalidParameterValue."""
    with pytest.raises(InvalidParameterValue, match="VisibilityTimeout"):
        broker.receive_messages("plain", 1, visibility_timeout=43_201)


def test_receive_count_increments_first_receive_stays(
    broker: QueueBroker, clock: FakeClock
) -> None:
    """§3.1.6: a redelivery has ApproximateReceiveCount incremented."""
    send(broker, "plain", 1)
    first = broker.receive_messages("plain", 1)[0]
    clock.advance(10)
    second = broker.receive_messages("plain", 1)[0]
    assert (first.receive_count, second.receive_count) == (1, 2)
    assert (
        second.attributes["ApproximateFirstReceiveTimestamp"]
        == first.attributes["ApproximateFirstReceiveTimestamp"]
    )


def test_standard_queue_hands_out_in_send_order(broker: QueueBroker) -> None:
    """headrace's choice (§4.1.9 promises no order): standard queues go in send order."""
    ids = send(broker, "plain", 25)
    received = broker.receive_messages("plain", 10) + broker.receive_messages("plain", 20)
    assert [m.message_id for m in received] == ids


def test_internal_receive_has_no_ten_cap(broker: QueueBroker) -> None:
    """BatchSize up to 10,000 is served in one receive from the embedded broker."""
    send(broker, "plain", 40)
    assert len(broker.receive_messages("plain", 1000)) == 40


def test_receive_nothing(broker: QueueBroker) -> None:
    """Asking for no messages receives none and changes nothing."""
    send(broker, "plain", 1)
    assert broker.receive_messages("plain", 0) == []
    assert broker.queue_depth("plain") == QueueDepth(visible=1, in_flight=0, delayed=0)


def test_each_receive_gets_a_new_handle(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: every receive returns a new receipt handle."""
    send(broker, "plain", 1)
    first = broker.receive_messages("plain", 1)[0]
    clock.advance(10)
    second = broker.receive_messages("plain", 1)[0]
    assert first.receipt_handle != second.receipt_handle


def test_stale_handle_does_not_delete(broker: QueueBroker, clock: FakeClock) -> None:
    """headrace's deviation: a handle from before the latest receive deletes nothing."""
    send(broker, "plain", 1)
    stale = broker.receive_messages("plain", 1)[0]
    clock.advance(10)
    current = broker.receive_messages("plain", 1)[0]
    assert broker.delete_messages("plain", [stale.receipt_handle]) == [False]
    assert broker.queue_depth("plain").in_flight == 1
    assert broker.delete_messages("plain", [current.receipt_handle]) == [True]
    assert broker.queue_depth("plain").total == 0


def test_expired_but_not_rereceived_handle_still_deletes(
    broker: QueueBroker, clock: FakeClock
) -> None:
    """SQS: a handle stays valid until the message is received again."""
    send(broker, "plain", 1)
    message = broker.receive_messages("plain", 1)[0]
    clock.advance(60)
    assert broker.delete_messages("plain", [message.receipt_handle]) == [True]


def test_delete_reports_each_handle(broker: QueueBroker) -> None:
    """Each handle gets True only if this call deleted its message."""
    send(broker, "plain", 2)
    a, b = broker.receive_messages("plain", 2)
    result = broker.delete_messages(
        "plain", [a.receipt_handle, "garbage", a.receipt_handle, b.receipt_handle, "99-1"]
    )
    assert result == [True, False, False, True, False]
    assert broker.delete_messages("plain", [a.receipt_handle]) == [False]
    assert broker.statistics().deleted == 2


def test_handle_of_another_queue_deletes_nothing(broker: QueueBroker) -> None:
    """A receipt handle only works on the queue it came from."""
    broker.send_message("plain", "x")
    message = broker.receive_messages("plain", 1)[0]
    assert broker.delete_messages("orders", [message.receipt_handle]) == [False]
    assert broker.delete_messages("plain", []) == []


def test_queue_delay_seconds(make_broker: BrokerFactory, clock: FakeClock) -> None:
    """SQS: a queue's DelaySeconds hides new messages for that long."""
    broker = make_broker({"slow": QueueConfig(name="slow", delay_seconds=5)})
    send(broker, "slow", 1)
    assert broker.queue_depth("slow") == QueueDepth(visible=0, in_flight=0, delayed=1)
    assert broker.receive_messages("slow", 1) == []
    clock.advance(5)
    assert len(broker.receive_messages("slow", 1)) == 1


def test_message_delay_overrides_queue_delay(make_broker: BrokerFactory, clock: FakeClock) -> None:
    """SQS: a message's DelaySeconds replaces the queue's, 0 included."""
    broker = make_broker({"slow": QueueConfig(name="slow", delay_seconds=5)})
    broker.send_message("slow", "now", delay_seconds=0)
    broker.send_message("slow", "later", delay_seconds=60)
    assert [m.body for m in broker.receive_messages("slow", 10, visibility_timeout=600)] == ["now"]
    clock.advance(60)
    assert [m.body for m in broker.receive_messages("slow", 10)] == ["later"]


def test_retention_period(make_broker: BrokerFactory, clock: FakeClock) -> None:
    """SQS: after MessageRetentionPeriod a message is gone: not returned, not counted."""
    broker = make_broker({"short": QueueConfig(name="short", message_retention_period=60)})
    send(broker, "short", 2)
    broker.receive_messages("short", 1)  # one in flight, one visible
    clock.advance(60)
    assert broker.queue_depth("short").total == 0
    assert broker.receive_messages("short", 10) == []
    assert broker.statistics().expired == 2
    assert broker.peek_messages("short", 10) == []


def test_retention_counts_from_send_not_receive(
    make_broker: BrokerFactory, clock: FakeClock
) -> None:
    """SQS: retention runs from SentTimestamp, whatever happened since."""
    broker = make_broker({"short": QueueConfig(name="short", message_retention_period=60)})
    send(broker, "short", 1)
    clock.advance(59)
    assert len(broker.receive_messages("short", 1, visibility_timeout=0)) == 1
    clock.advance(1)
    assert broker.receive_messages("short", 1) == []


def test_depth_counts_each_state(make_broker: BrokerFactory) -> None:
    """SQS's ApproximateNumberOfMessages / NotVisible / Delayed."""
    broker = make_broker({"q": QueueConfig(name="q")})
    send(broker, "q", 3)
    broker.send_message("q", "later", delay_seconds=30)
    broker.receive_messages("q", 1)
    assert broker.queue_depth("q") == QueueDepth(visible=2, in_flight=1, delayed=1)


def test_next_visible_at(broker: QueueBroker, clock: FakeClock) -> None:
    """The next delayed or in-flight message's visibility time, for long polls to sleep to."""
    assert broker.next_visible_at("plain") is None
    start = clock.time()
    broker.send_message("plain", "a", delay_seconds=30)
    broker.send_message("plain", "b")
    assert broker.next_visible_at("plain") == start + 30
    broker.receive_messages("plain", 1)  # b: in flight for 10 s
    assert broker.next_visible_at("plain") == start + 10


def test_change_visibility_extends(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: ChangeMessageVisibility sets the remaining timeout from now."""
    send(broker, "plain", 1)
    message = broker.receive_messages("plain", 1)[0]
    clock.advance(5)
    assert broker.change_visibility("plain", [message.receipt_handle], 100) == [True]
    clock.advance(99)
    assert broker.receive_messages("plain", 1) == []
    clock.advance(1)
    assert len(broker.receive_messages("plain", 1)) == 1


def test_change_visibility_zero_makes_visible_and_notifies(
    broker: QueueBroker, notified: list[str]
) -> None:
    """§4.1.1: timeout 0 returns a message to the queue at once, waking long polls."""
    send(broker, "plain", 1)
    message = broker.receive_messages("plain", 1)[0]
    notified.clear()
    assert broker.change_visibility("plain", [message.receipt_handle], 0) == [True]
    assert notified == [queue_arn("plain")]
    assert len(broker.receive_messages("plain", 1)) == 1


def test_change_visibility_needs_in_flight_and_current_handle(
    broker: QueueBroker, clock: FakeClock, notified: list[str]
) -> None:
    """A message not in flight, or a stale handle, is left alone (False) without a wake-up."""
    send(broker, "plain", 1)
    stale = broker.receive_messages("plain", 1)[0]
    clock.advance(10)  # visible again: not in flight
    assert broker.change_visibility("plain", [stale.receipt_handle], 30) == [False]
    broker.receive_messages("plain", 1)
    notified.clear()
    assert broker.change_visibility("plain", [stale.receipt_handle, "bad"], 0) == [False, False]
    assert notified == []
    assert broker.queue_depth("plain").in_flight == 1


def test_change_visibility_range(broker: QueueBroker) -> None:
    """SQS: the new timeout must be within 0..43200."""
    with pytest.raises(InvalidParameterValue):
        broker.change_visibility("plain", ["1-1"], -1)


def test_purge_removes_everything(broker: QueueBroker) -> None:
    """SQS PurgeQueue: every message goes, in flight or not."""
    send(broker, "plain", 3)
    broker.receive_messages("plain", 1)
    assert broker.purge_queue("plain") == 3
    assert broker.queue_depth("plain").total == 0


def test_has_receivable(broker: QueueBroker) -> None:
    """A look that changes nothing: is there a message a receive would return?"""
    assert not broker.has_receivable("plain")
    send(broker, "plain", 1)
    assert broker.has_receivable("plain")
    assert broker.queue_depth("plain").visible == 1


def test_queue_attributes(broker: QueueBroker) -> None:
    """SQS GetQueueAttributes: SQS's names, every value a string."""
    send(broker, "orders", 2)
    broker.receive_messages("orders", 1)
    attributes = broker.get_queue_attributes("orders")
    assert attributes["QueueArn"] == queue_arn("orders")
    assert attributes["ApproximateNumberOfMessages"] == "1"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "0"
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MessageRetentionPeriod"] == "345600"
    assert attributes["CreatedTimestamp"] == "1700000000"
    assert attributes["RedrivePolicy"] == (
        '{"deadLetterTargetArn":"' + queue_arn("orders-dlq") + '","maxReceiveCount":3}'
    )
    assert "FifoQueue" not in attributes


def test_fifo_queue_attributes(broker: QueueBroker) -> None:
    """SQS: FIFO queues report FifoQueue and ContentBasedDeduplication."""
    attributes = broker.get_queue_attributes("cbd.fifo")
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"


def test_statistics_count_operations(broker: QueueBroker) -> None:
    """statistics() counts sends, receives and deletes of this broker."""
    send(broker, "plain", 2)
    messages = broker.receive_messages("plain", 2)
    broker.delete_messages("plain", [messages[0].receipt_handle])
    stats = broker.statistics()
    assert (stats.sent, stats.received, stats.deleted) == (2, 2, 1)
    assert broker.queue_names == list(broker.queue_names)
    assert "plain" in broker.queue_names


def test_expired_message_never_returned_between_sweeps(
    make_broker: BrokerFactory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQS: an expired message is never returned, even before the sweep deletes it."""
    monkeypatch.setattr("headrace.broker.queue_broker.SWEEP_INTERVAL_MS", 10**12)
    broker = make_broker({"short": QueueConfig(name="short", message_retention_period=60)})
    assert broker.receive_messages("short", 10) == []  # sweeps now, next one far away
    send(broker, "short", 1)
    clock.advance(30)
    broker.send_message("short", "new")
    clock.advance(30)
    assert [m.body for m in broker.receive_messages("short", 10)] == ["new"]
    assert broker.statistics().expired == 0
