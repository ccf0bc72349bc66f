"""FIFO queues: group order and blocking, deduplication, sequence numbers (§4.1.7)."""

from __future__ import annotations

import hashlib

import pytest
from broker_helpers import BrokerFactory

from headrace.broker import QueueBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.errors import InvalidParameterValue, MissingParameter

FIFO = "jobs.fifo"


def send(broker: QueueBroker, group: str, *bodies: str, queue: str = FIFO) -> list[str]:
    return [
        broker.send_message(queue, b, message_group_id=group, message_deduplication_id=b).message_id
        for b in bodies
    ]


def bodies(broker: QueueBroker, limit: int = 10, queue: str = FIFO) -> list[str]:
    return [m.body for m in broker.receive_messages(queue, limit)]


def test_group_id_required(broker: QueueBroker) -> None:
    """SQS: a FIFO send without MessageGroupId is MissingParameter."""
    with pytest.raises(MissingParameter, match="MessageGroupId"):
        broker.send_message(FIFO, "x", message_deduplication_id="d")


def test_deduplication_id_or_content_based_required(broker: QueueBroker) -> None:
    """SQS: without ContentBasedDeduplication a FIFO send needs a deduplication id."""
    with pytest.raises(InvalidParameterValue, match="ContentBasedDeduplication enabled or"):
        broker.send_message(FIFO, "x", message_group_id="g")


def test_per_message_delay_rejected(broker: QueueBroker) -> None:
    """SQS: FIFO queues take no per-message DelaySeconds (0 is accepted)."""
    with pytest.raises(InvalidParameterValue, match="not valid for this queue type"):
        broker.send_message(
            FIFO, "x", message_group_id="g", message_deduplication_id="d", delay_seconds=5
        )
    broker.send_message(
        FIFO, "x", message_group_id="g", message_deduplication_id="d", delay_seconds=0
    )


def test_bad_group_id_rejected(broker: QueueBroker) -> None:
    """SQS: group ids are 1-128 alphanumeric or punctuation characters."""
    with pytest.raises(InvalidParameterValue, match="MessageGroupId can only include"):
        broker.send_message(FIFO, "x", message_group_id="a b", message_deduplication_id="d")


def test_sequence_numbers_increase_per_queue(broker: QueueBroker) -> None:
    """§3.1.2: FIFO sends get increasing 20-digit sequence numbers, per queue."""
    first = broker.send_message(FIFO, "a", message_group_id="g", message_deduplication_id="a")
    second = broker.send_message(FIFO, "b", message_group_id="h", message_deduplication_id="b")
    other = broker.send_message("cbd.fifo", "a", message_group_id="g")
    assert (first.sequence_number, second.sequence_number) == (
        "00000000000000000001",
        "00000000000000000002",
    )
    assert other.sequence_number == "00000000000000000001"


def test_fifo_attributes_in_sqs_order(broker: QueueBroker) -> None:
    """§3.1.2: FIFO adds SequenceNumber, MessageGroupId, MessageDeduplicationId."""
    send(broker, "g", "a")
    message = broker.receive_messages(FIFO, 1)[0]
    assert list(message.attributes)[4:] == [
        "SequenceNumber",
        "MessageGroupId",
        "MessageDeduplicationId",
    ]
    assert message.group_id == "g"
    assert message.attributes["MessageDeduplicationId"] == "a"


def test_order_within_a_group(broker: QueueBroker) -> None:
    """§4.1.7: messages of one group are handed out in send order."""
    send(broker, "g", "1", "2", "3")
    assert bodies(broker) == ["1", "2", "3"]


def test_group_blocked_while_a_message_is_in_flight(broker: QueueBroker) -> None:
    """§4.1.7: no other message of a group goes out while one of it is in flight."""
    send(broker, "g", "1", "2", "3")
    first = broker.receive_messages(FIFO, 1)
    assert [m.body for m in first] == ["1"]
    assert bodies(broker) == []
    broker.delete_messages(FIFO, [first[0].receipt_handle])
    assert bodies(broker) == ["2", "3"]


def test_other_groups_continue(broker: QueueBroker) -> None:
    """§4.1.7: a blocked group does not hold back other groups."""
    send(broker, "a", "a1", "a2")
    send(broker, "b", "b1")
    assert bodies(broker, 1) == ["a1"]
    assert bodies(broker) == ["b1"]


def test_one_receive_mixes_groups_in_send_order(broker: QueueBroker) -> None:
    """§3.5.8: a FIFO batch may mix several message groups."""
    send(broker, "a", "a1")
    send(broker, "b", "b1")
    send(broker, "a", "a2")
    assert bodies(broker) == ["a1", "b1", "a2"]


def test_failed_messages_come_back_first_in_order(broker: QueueBroker, clock: FakeClock) -> None:
    """§4.1.7: after a visibility timeout the same messages return, in order, count 2."""
    send(broker, "g", "1", "2", "3")
    broker.receive_messages(FIFO, 2)
    clock.advance(30)
    again = broker.receive_messages(FIFO, 10)
    assert [(m.body, m.receive_count) for m in again] == [("1", 2), ("2", 2), ("3", 1)]


def test_visible_message_behind_in_flight_one_waits(broker: QueueBroker) -> None:
    """A group stays blocked while any of its messages is in flight, not just its head."""
    send(broker, "g", "1", "2", "3")
    one, two = broker.receive_messages(FIFO, 2)
    broker.change_visibility(FIFO, [one.receipt_handle], 0)
    assert bodies(broker) == []
    broker.change_visibility(FIFO, [two.receipt_handle], 0)
    assert bodies(broker) == ["1", "2", "3"]


def test_delayed_message_stops_its_group(make_broker: BrokerFactory, clock: FakeClock) -> None:
    """A FIFO queue's DelaySeconds holds a group at its first still-delayed message."""
    broker = make_broker({"d.fifo": QueueConfig(name="d.fifo", fifo_queue=True, delay_seconds=5)})
    send(broker, "g", "1", queue="d.fifo")
    clock.advance(3)
    send(broker, "g", "2", queue="d.fifo")
    clock.advance(2)
    assert broker.has_receivable("d.fifo")
    assert bodies(broker, queue="d.fifo") == ["1"]
    clock.advance(3)
    assert not broker.has_receivable("d.fifo")  # 2 is visible, but 1 is in flight


def test_deduplicated_within_five_minutes(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: a repeated deduplication id within 5 minutes returns the original and adds nothing."""
    first = broker.send_message(FIFO, "x", message_group_id="g", message_deduplication_id="d")
    clock.advance(299)
    again = broker.send_message(FIFO, "y", message_group_id="g", message_deduplication_id="d")
    assert (again.message_id, again.sequence_number) == (first.message_id, first.sequence_number)
    assert again.duplicate
    assert broker.queue_depth(FIFO).total == 1
    assert broker.statistics().duplicates == 1


def test_window_runs_from_first_send(broker: QueueBroker, clock: FakeClock) -> None:
    """SQS: duplicates do not extend the window; after 5 minutes the id is new again."""
    send(broker, "g", "d")
    clock.advance(200)
    send(broker, "g", "d")
    clock.advance(100)
    later = broker.send_message(FIFO, "d", message_group_id="g", message_deduplication_id="d")
    assert not later.duplicate
    assert broker.queue_depth(FIFO).visible == 2


def test_deduplication_outlives_deletion(broker: QueueBroker) -> None:
    """SQS: a deduplication id stays taken within its window after the message is deleted."""
    send(broker, "g", "d")
    message = broker.receive_messages(FIFO, 1)[0]
    broker.delete_messages(FIFO, [message.receipt_handle])
    assert broker.send_message(
        FIFO, "d", message_group_id="g", message_deduplication_id="d"
    ).duplicate


def test_duplicate_send_does_not_notify(broker: QueueBroker, notified: list[str]) -> None:
    """A deduplicated send enqueues nothing, so it wakes nobody."""
    send(broker, "g", "d")
    notified.clear()
    send(broker, "g", "d")
    assert notified == []


def test_content_based_deduplication(broker: QueueBroker) -> None:
    """SQS: ContentBasedDeduplication uses the body's SHA-256 as the deduplication id."""
    first = broker.send_message("cbd.fifo", "same", message_group_id="g")
    assert broker.send_message("cbd.fifo", "same", message_group_id="h").duplicate
    assert not broker.send_message("cbd.fifo", "other", message_group_id="g").duplicate
    message = broker.receive_messages("cbd.fifo", 1)[0]
    assert message.message_id == first.message_id
    expected = hashlib.sha256(b"same").hexdigest()
    assert message.attributes["MessageDeduplicationId"] == expected


def test_expired_fifo_message_is_skipped(make_broker: BrokerFactory, clock: FakeClock) -> None:
    """SQS: an expired message is gone, and the group goes on with the next one."""
    broker = make_broker(
        {"r.fifo": QueueConfig(name="r.fifo", fifo_queue=True, message_retention_period=60)}
    )
    send(broker, "g", "old", queue="r.fifo")
    clock.advance(30)
    send(broker, "g", "new", queue="r.fifo")
    clock.advance(30)
    assert bodies(broker, queue="r.fifo") == ["new"]


def test_many_blocked_groups_do_not_hide_free_ones(broker: QueueBroker) -> None:
    """Selection skips blocked groups' backlogs; a free group behind them is still found."""
    for group in range(50):
        send(broker, f"g{group}", f"{group}-1")
    assert len(broker.receive_messages(FIFO, 100)) == 50  # every group now in flight
    for group in range(50):
        send(broker, f"g{group}", f"{group}-2", f"{group}-3")
    send(broker, "free", "free-1")
    assert bodies(broker) == ["free-1"]


def test_expired_fifo_message_skipped_between_sweeps(
    make_broker: BrokerFactory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQS: an expired message is never returned, even before the sweep deletes it."""
    monkeypatch.setattr("headrace.broker.queue_broker.SWEEP_INTERVAL_MS", 10**12)
    broker = make_broker(
        {"r.fifo": QueueConfig(name="r.fifo", fifo_queue=True, message_retention_period=60)}
    )
    assert bodies(broker, queue="r.fifo") == []  # sweeps now, next one far away
    send(broker, "g", "old", queue="r.fifo")
    clock.advance(30)
    send(broker, "g", "new", queue="r.fifo")
    clock.advance(30)
    assert bodies(broker, queue="r.fifo") == ["new"]
    assert broker.statistics().expired == 0


def test_delayed_message_holds_back_the_rest_of_its_group(
    make_broker: BrokerFactory, clock: FakeClock
) -> None:
    """Everything after a group's still-delayed message waits too; other groups go on."""
    broker = make_broker({"d.fifo": QueueConfig(name="d.fifo", fifo_queue=True, delay_seconds=5)})
    send(broker, "g", "g1", queue="d.fifo")
    clock.advance(3)
    send(broker, "g", "g2", "g3", queue="d.fifo")
    send(broker, "h", "h1", queue="d.fifo")
    clock.advance(2)
    assert bodies(broker, queue="d.fifo") == ["g1"]
