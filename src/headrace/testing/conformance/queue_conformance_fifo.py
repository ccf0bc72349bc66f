"""Queue conformance: FIFO groups and deduplication (§4.1.7), dead-letter redrive (§4.1.2)."""

from __future__ import annotations

import pytest

from headrace.broker.storage_seam import QueueStorage
from headrace.clock import FakeClock
from headrace.errors import InvalidParameterValue, MissingParameter
from headrace.testing.conformance.queue_conformance_base import QueueStorageContract


class TestFifo(QueueStorageContract):
    """FIFO queues: group order, groups held while in flight, 5-minute deduplication."""

    async def test_group_is_held_while_a_message_is_in_flight(self, storage: QueueStorage) -> None:
        """§4.1.7: a group's messages come in order and the group is blocked while one of its
        messages is in flight; other groups continue."""
        for body, group in [("a1", "a"), ("a2", "a"), ("b1", "b")]:
            await storage.send_message(
                "jobs.fifo", body, message_group_id=group, message_deduplication_id=body
            )
        (first,) = await storage.receive_messages("jobs.fifo", 1)
        assert first.body == "a1"
        assert [m.body for m in await storage.receive_messages("jobs.fifo", 10)] == ["b1"]
        assert await storage.receive_messages("jobs.fifo", 10) == []
        await storage.delete_messages("jobs.fifo", [first.receipt_handle])
        assert [m.body for m in await storage.receive_messages("jobs.fifo", 10)] == ["a2"]

    async def test_one_receive_takes_consecutive_messages_of_a_group(
        self, storage: QueueStorage
    ) -> None:
        """§4.1.7: one receive may take several messages of a group, in send order, with
        increasing sequence numbers."""
        for i in range(3):
            await storage.send_message(
                "jobs.fifo", f"m{i}", message_group_id="g", message_deduplication_id=f"d{i}"
            )
        received = await storage.receive_messages("jobs.fifo", 10)
        assert [m.body for m in received] == ["m0", "m1", "m2"]
        numbers = [m.attributes["SequenceNumber"] for m in received]
        assert numbers == sorted(numbers)
        assert len(set(numbers)) == 3

    async def test_repeated_deduplication_id_within_five_minutes_enqueues_nothing(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """SQS FIFO: a deduplication id seen within 5 minutes returns the first message's id
        and enqueues nothing; after the window the same id enqueues again."""
        first = await storage.send_message(
            "jobs.fifo", "x", message_group_id="g", message_deduplication_id="same"
        )
        clock.advance(299)
        again = await storage.send_message(
            "jobs.fifo", "x", message_group_id="g", message_deduplication_id="same"
        )
        assert again.duplicate
        assert again.message_id == first.message_id
        assert (await storage.queue_depth("jobs.fifo")).visible == 1
        clock.advance(1)
        later = await storage.send_message(
            "jobs.fifo", "x", message_group_id="g", message_deduplication_id="same"
        )
        assert not later.duplicate
        assert later.message_id != first.message_id
        assert (await storage.queue_depth("jobs.fifo")).visible == 2

    async def test_fifo_send_needs_a_group(self, storage: QueueStorage) -> None:
        """A FIFO send without MessageGroupId is refused with SQS's MissingParameter."""
        with pytest.raises(MissingParameter, match="MessageGroupId"):
            await storage.send_message("jobs.fifo", "x", message_deduplication_id="d")


class TestRedrive(QueueStorageContract):
    """Dead-letter queues: maxReceiveCount moves (§4.1.2) and moving messages back."""

    async def test_message_received_max_receive_count_times_moves_to_the_dlq(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """§4.1.2: failed messages go to the queue's redrive DLQ after maxReceiveCount
        receives (2 here): the third receive moves it instead of returning it."""
        await storage.send_message("orders", "poison")
        for _ in range(2):
            assert len(await storage.receive_messages("orders", 1)) == 1
            clock.advance(30)
        assert await storage.receive_messages("orders", 1) == []
        assert (await storage.queue_depth("orders")).visible == 0
        (moved,) = await storage.peek_messages("orders-dlq", 10)
        assert (moved.body, moved.receive_count) == ("poison", 0)
        assert storage.statistics().moved_to_dead_letter == 1

    async def test_fifo_exhausted_head_moves_and_the_group_goes_on(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """§4.1.2 with §4.1.7: an exhausted FIFO message moves to the FIFO DLQ, and the next
        message of its group is received in the same call."""
        for body in ("bad", "next"):
            await storage.send_message(
                "jobs.fifo", body, message_group_id="g", message_deduplication_id=body
            )
        for _ in range(2):
            (head,) = await storage.receive_messages("jobs.fifo", 1)
            assert head.body == "bad"
            clock.advance(30)
        assert [m.body for m in await storage.receive_messages("jobs.fifo", 1)] == ["next"]
        assert [p.body for p in await storage.peek_messages("jobs-dlq.fifo", 10)] == ["bad"]

    async def test_move_messages_back_from_the_dlq(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """Redrive (StartMessageMoveTask): visible DLQ messages move back in send order, same
        message id, receive count reset."""
        sent = await storage.send_message("orders-dlq", "one")
        await storage.send_message("orders-dlq", "two")
        assert await storage.move_messages("orders-dlq", "orders", 1) == 1
        assert await storage.move_messages("orders-dlq", "orders") == 1
        received = await storage.receive_messages("orders", 10)
        assert [m.body for m in received] == ["one", "two"]
        assert received[0].message_id == sent.message_id
        assert received[0].attributes["ApproximateReceiveCount"] == "1"

    async def test_standard_messages_cannot_move_to_a_fifo_queue(
        self, storage: QueueStorage
    ) -> None:
        """A standard source cannot feed a FIFO target: InvalidParameterValue."""
        await storage.send_message("orders-dlq", "x")
        with pytest.raises(InvalidParameterValue):
            await storage.move_messages("orders-dlq", "jobs.fifo")
        assert (await storage.queue_depth("orders-dlq")).visible == 1
