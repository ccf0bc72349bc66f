"""Dead-letter queues: redrive on receive (§4.1.2), moving back, peeking."""

from __future__ import annotations

import pytest
from broker_helpers import BrokerFactory, queue_arn

from headrace.broker import QueueBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig, RedrivePolicy
from headrace.errors import InvalidParameterValue
from headrace.events import MessageAttributeValue


def fail(broker: QueueBroker, clock: FakeClock, queue: str = "orders", times: int = 1) -> list[int]:
    """Receive and let the visibility timeout run out ``times`` times; the counts seen."""
    counts = []
    for _ in range(times):
        counts += [m.receive_count for m in broker.receive_messages(queue, 10)]
        clock.advance(30)
    return counts


def test_moved_on_the_receive_after_max_receive_count(
    broker: QueueBroker, clock: FakeClock, notified: list[str]
) -> None:
    """§4.1.2: after maxReceiveCount receives, the next receive moves it to the DLQ."""
    broker.send_message("orders", "x")
    assert fail(broker, clock, times=3) == [1, 2, 3]
    notified.clear()
    assert broker.receive_messages("orders", 10) == []
    assert broker.queue_depth("orders").total == 0
    assert broker.queue_depth("orders-dlq").visible == 1
    assert notified == [queue_arn("orders-dlq")]
    assert broker.statistics().moved_to_dead_letter == 1


def test_moved_message_keeps_identity(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: the dead-lettered message keeps id, body, attributes and SentTimestamp."""
    attributes = {"k": MessageAttributeValue("String", "v")}
    sent = broker.send_message("orders", "x", message_attributes=attributes)
    first = broker.receive_messages("orders", 1)[0]
    clock.advance(30)
    fail(broker, clock, times=3)
    moved = broker.receive_messages("orders-dlq", 1)[0]
    assert moved.message_id == sent.message_id
    assert moved.body == "x"
    assert moved.message_attributes == attributes
    assert moved.md5_of_message_attributes == sent.md5_of_message_attributes
    assert moved.attributes["SentTimestamp"] == first.attributes["SentTimestamp"]
    assert moved.receive_count == 1  # reset by the move


def test_fresh_message_behind_exhausted_ones_is_returned(
    broker: QueueBroker, clock: FakeClock
) -> None:
    """Exhausted messages are moved and the receive still returns the others."""
    for i in range(3):
        broker.send_message("orders", f"old{i}")
    fail(broker, clock, times=3)
    broker.send_message("orders", "fresh")
    assert [m.body for m in broker.receive_messages("orders", 1)] == ["fresh"]
    assert broker.queue_depth("orders-dlq").visible == 3


def test_old_handle_is_stale_after_the_move(broker: QueueBroker, clock: FakeClock) -> None:
    """A handle from before the move deletes nothing, in either queue."""
    broker.send_message("orders", "x")
    handles = []
    for _ in range(3):
        handles.append(broker.receive_messages("orders", 1)[0].receipt_handle)
        clock.advance(30)
    broker.receive_messages("orders", 1)
    assert broker.delete_messages("orders", handles[-1:]) == [False]
    assert broker.delete_messages("orders-dlq", handles[-1:]) == [False]


def test_standard_dlq_keeps_original_retention(
    make_broker: BrokerFactory, clock: FakeClock
) -> None:
    """SQS: on a standard DLQ a message expires counting from its original send."""
    policy = RedrivePolicy(dead_letter_target_arn=queue_arn("dlq"), max_receive_count=1)
    broker = make_broker(
        {
            "src": QueueConfig(name="src", redrive_policy=policy),
            "dlq": QueueConfig(name="dlq", message_retention_period=100),
        }
    )
    broker.send_message("src", "x")
    fail(broker, clock, queue="src", times=2)  # 60 s after the send: moved
    assert broker.queue_depth("dlq").visible == 1
    clock.advance(40)
    assert broker.queue_depth("dlq").total == 0


def test_fifo_redrive_like_the_recording(broker: QueueBroker, clock: FakeClock) -> None:
    """§3.5.5: FIFO m2..m4 retried in order; m4 is dead-lettered at maxReceiveCount=2."""
    for i in range(1, 5):
        broker.send_message(
            "jobs.fifo", f"m{i}", message_group_id="1", message_deduplication_id=f"d{i}"
        )
    batch = broker.receive_messages("jobs.fifo", 10)
    broker.delete_messages("jobs.fifo", [batch[0].receipt_handle])
    clock.advance(30)
    batch = broker.receive_messages("jobs.fifo", 10)
    assert [(m.body, m.receive_count) for m in batch] == [("m2", 2), ("m3", 2), ("m4", 2)]
    broker.delete_messages("jobs.fifo", [m.receipt_handle for m in batch[:2]])
    clock.advance(30)
    assert broker.receive_messages("jobs.fifo", 10) == []
    moved = broker.receive_messages("jobs-dlq.fifo", 10)
    assert [(m.body, m.attributes["SequenceNumber"]) for m in moved] == [
        ("m4", "00000000000000000004")
    ]


def test_fifo_group_continues_after_its_head_is_moved(
    broker: QueueBroker, clock: FakeClock
) -> None:
    """Moving an exhausted head unblocks the next message of its group in the same receive."""
    for i in range(1, 3):
        broker.send_message(
            "jobs.fifo", f"m{i}", message_group_id="g", message_deduplication_id=f"d{i}"
        )
    for _ in range(2):
        broker.receive_messages("jobs.fifo", 1)
        clock.advance(30)
    assert [m.body for m in broker.receive_messages("jobs.fifo", 10)] == ["m2"]


def test_move_messages_back(broker: QueueBroker, clock: FakeClock, notified: list[str]) -> None:
    """StartMessageMoveTask: visible DLQ messages go back in send order, counts reset."""
    for i in range(3):
        broker.send_message("orders-dlq", f"m{i}")
    broker.receive_messages("orders-dlq", 1)  # m0 in flight: it stays
    notified.clear()
    assert broker.move_messages("orders-dlq", "orders") == 2
    assert notified == [queue_arn("orders")]
    assert [(m.body, m.receive_count) for m in broker.receive_messages("orders", 10)] == [
        ("m1", 1),
        ("m2", 1),
    ]
    assert broker.queue_depth("orders-dlq").in_flight == 1


def test_move_messages_limit(broker: QueueBroker) -> None:
    """A limit moves at most that many messages, oldest first."""
    for i in range(3):
        broker.send_message("orders-dlq", f"m{i}")
    assert broker.move_messages("orders-dlq", "orders", limit=2) == 2
    assert [m.body for m in broker.peek_messages("orders-dlq", 10)] == ["m2"]


def test_move_standard_to_fifo_rejected(broker: QueueBroker) -> None:
    """Standard messages have no group: they cannot move to a FIFO queue."""
    with pytest.raises(InvalidParameterValue):
        broker.move_messages("orders-dlq", "jobs.fifo")


def test_move_nothing_notifies_nobody(broker: QueueBroker, notified: list[str]) -> None:
    """An empty move wakes nobody."""
    assert broker.move_messages("orders-dlq", "orders") == 0
    assert notified == []


def test_peek_changes_nothing(broker: QueueBroker, clock: FakeClock) -> None:
    """headrace dlq reads messages without receiving them."""
    broker.send_message(
        "orders-dlq", "a", message_attributes={"k": MessageAttributeValue("String", "v")}
    )
    broker.send_message("orders-dlq", "b")
    broker.receive_messages("orders-dlq", 1)
    peeked = broker.peek_messages("orders-dlq", 10)
    assert [(p.body, p.receive_count, p.in_flight) for p in peeked] == [
        ("a", 1, True),
        ("b", 0, False),
    ]
    assert peeked[0].sent_timestamp == int(clock.time() * 1000)
    assert peeked[0].message_attributes["k"].string_value == "v"
    assert broker.peek_messages("orders-dlq", 1)[0].body == "a"
    assert broker.queue_depth("orders-dlq").visible == 1


@pytest.mark.parametrize(
    ("queues", "match"),
    [
        (
            {
                "src": QueueConfig(
                    name="src",
                    redrive_policy=RedrivePolicy(
                        dead_letter_target_arn=queue_arn("missing"), max_receive_count=1
                    ),
                )
            },
            "Dead letter target does not exist",
        ),
        (
            {
                "src": QueueConfig(
                    name="src",
                    redrive_policy=RedrivePolicy(
                        dead_letter_target_arn="arn:aws:sqs:eu-west-1:123456789012:dlq",
                        max_receive_count=1,
                    ),
                ),
                "dlq": QueueConfig(name="dlq"),
            },
            "Dead letter target does not exist",
        ),
        (
            {
                "src": QueueConfig(
                    name="src",
                    redrive_policy=RedrivePolicy(
                        dead_letter_target_arn=queue_arn("dlq.fifo"), max_receive_count=1
                    ),
                ),
                "dlq.fifo": QueueConfig(name="dlq.fifo", fifo_queue=True),
            },
            "same type of queue",
        ),
        (
            {
                "src": QueueConfig(
                    name="src",
                    redrive_policy=RedrivePolicy(
                        dead_letter_target_arn=queue_arn("dlq"), max_receive_count=1001
                    ),
                ),
                "dlq": QueueConfig(name="dlq"),
            },
            "valid values are from 1 to 1000",
        ),
        ({"bad.name": QueueConfig(name="bad.name")}, "bad.name: Can only include"),
    ],
)
def test_invalid_declarations_rejected(
    make_broker: BrokerFactory, queues: dict[str, QueueConfig], match: str
) -> None:
    """SQS CreateQueue / SetQueueAttributes errors for bad names and redrive policies."""
    with pytest.raises(InvalidParameterValue, match=match):
        make_broker(queues)
