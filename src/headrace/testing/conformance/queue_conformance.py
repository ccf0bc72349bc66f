"""The :class:`~headrace.broker.storage_seam.QueueStorage` contract as pytest test classes.

A backend passes by running these classes with a ``queue_storage_factory`` fixture that
opens it (see :class:`QueueStorageFactory`); import the classes into a test module::

    from headrace.testing.conformance.queue_conformance import (
        TestQueueCatalog, TestSendAndReceive, TestVisibility, TestFifo, TestRedrive,
        TestWaiting,
    )

    @pytest.fixture
    def queue_storage_factory() -> QueueStorageFactory:
        async def open_backend(queues, *, clock, region, account):
            return await MyQueueStorage.open(queues, clock=clock, region=region, account=account)
        return open_backend

Time is a :class:`~headrace.clock.FakeClock`: visibility timeouts, delays and the FIFO
deduplication window run out when the test advances it. § numbers name the statements of
the reference (lambda-esm.md, §4.1: SQS) a test checks.
"""

from __future__ import annotations

import pytest

from headrace.broker.queue_results import SendEntry
from headrace.broker.storage_seam import QueueStorage
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.errors import InvalidParameterValue, QueueDoesNotExist, QueueNameExists
from headrace.testing.conformance.queue_conformance_base import (
    ACCOUNT,
    REGION,
    QueueStorageContract,
    QueueStorageFactory,
    conformance_queues,
    queue_arn,
)
from headrace.testing.conformance.queue_conformance_fifo import TestFifo, TestRedrive
from headrace.testing.conformance.queue_conformance_waiting import TestWaiting

__all__ = [
    "ACCOUNT",
    "REGION",
    "QueueStorageContract",
    "QueueStorageFactory",
    "TestFifo",
    "TestQueueCatalog",
    "TestRedrive",
    "TestSendAndReceive",
    "TestVisibility",
    "TestWaiting",
    "conformance_queues",
    "queue_arn",
]


class TestQueueCatalog(QueueStorageContract):
    """Creating, finding, listing and deleting queues; their attributes."""

    async def test_declared_queues_are_listed_and_found_by_name_or_arn(
        self, storage: QueueStorage
    ) -> None:
        """Every declared queue is listed; a name and its ARN find the same queue."""
        assert sorted(await storage.list_queues()) == sorted(conformance_queues())
        by_name = await storage.get_queue("orders")
        by_arn = await storage.get_queue(queue_arn("orders"))
        assert by_name.arn == by_arn.arn == queue_arn("orders")
        assert (await storage.get_queue("jobs.fifo")).fifo

    async def test_unknown_queue_is_queue_does_not_exist(self, storage: QueueStorage) -> None:
        """Naming a queue that is not declared raises SQS's QueueDoesNotExist."""
        with pytest.raises(QueueDoesNotExist):
            await storage.get_queue("nope")
        with pytest.raises(QueueDoesNotExist):
            await storage.send_message("nope", "x")

    async def test_create_then_delete_queue(self, storage: QueueStorage) -> None:
        """A created queue takes messages; creating it again returns it; deleted, it is gone."""
        created = await storage.create_queue("extra", QueueConfig(name="extra"))
        assert created.arn == queue_arn("extra")
        assert (await storage.create_queue("extra", QueueConfig(name="extra"))).arn == created.arn
        await storage.send_message("extra", "hello")
        assert (await storage.queue_depth("extra")).visible == 1
        assert "extra" in await storage.list_queues()
        await storage.delete_queue("extra")
        assert "extra" not in await storage.list_queues()
        with pytest.raises(QueueDoesNotExist):
            await storage.queue_depth("extra")

    async def test_create_queue_checks_the_name(self, storage: QueueStorage) -> None:
        """A FIFO queue's name must end in .fifo (SQS's rule)."""
        with pytest.raises(InvalidParameterValue):
            await storage.create_queue("bad", QueueConfig(name="bad", fifo_queue=True))

    async def test_create_existing_queue_with_other_attributes_is_queue_name_exists(
        self, storage: QueueStorage
    ) -> None:
        """CreateQueue of an existing name: the same attributes (or none given) return the
        queue; a different value is SQS's QueueNameExists and changes nothing."""
        config = QueueConfig(name="extra", visibility_timeout=60)
        created = await storage.create_queue("extra", config)
        same = await storage.create_queue("extra", QueueConfig(name="extra"), given=())
        assert same.arn == created.arn
        with pytest.raises(QueueNameExists, match="VisibilityTimeout"):
            await storage.create_queue(
                "extra", QueueConfig(name="extra"), given=("VisibilityTimeout",)
            )
        assert (await storage.get_queue("extra")).config.visibility_timeout == 60

    async def test_set_queue_attributes_changes_the_queue(self, storage: QueueStorage) -> None:
        """SetQueueAttributes: GetQueueAttributes and later receives use the new values."""
        await storage.set_queue_attributes(
            "orders", QueueConfig(name="orders", visibility_timeout=7)
        )
        attributes = await storage.get_queue_attributes("orders")
        assert attributes["VisibilityTimeout"] == "7"
        assert "RedrivePolicy" not in attributes

    async def test_attributes_have_sqs_names_and_counts(self, storage: QueueStorage) -> None:
        """GetQueueAttributes reports the ARN, the counts and the redrive policy as strings."""
        await storage.send_message("orders", "a")
        await storage.send_message("orders", "b", delay_seconds=5)
        attributes = await storage.get_queue_attributes("orders")
        assert attributes["QueueArn"] == queue_arn("orders")
        assert attributes["ApproximateNumberOfMessages"] == "1"
        assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
        assert attributes["VisibilityTimeout"] == "30"
        assert '"maxReceiveCount":2' in attributes["RedrivePolicy"]
        assert (await storage.get_queue_attributes("jobs.fifo"))["FifoQueue"] == "true"


class TestSendAndReceive(QueueStorageContract):
    """Sending, receiving, deleting and purging."""

    async def test_sent_message_is_received_with_its_body_and_id(
        self, storage: QueueStorage
    ) -> None:
        """A receive returns the message sent: same id, body and MD5, receive count 1."""
        sent = await storage.send_message("plain", "hello")
        (message,) = await storage.receive_messages("plain", 10)
        assert (message.message_id, message.body) == (sent.message_id, "hello")
        assert message.md5_of_body == sent.md5_of_body
        assert message.attributes["ApproximateReceiveCount"] == "1"

    async def test_receive_returns_at_most_max_messages_in_send_order(
        self, storage: QueueStorage
    ) -> None:
        """A receive takes up to ``max_messages``; the rest stay visible."""
        for i in range(5):
            await storage.send_message("plain", f"m{i}")
        first = await storage.receive_messages("plain", 3)
        assert [m.body for m in first] == ["m0", "m1", "m2"]
        assert (await storage.queue_depth("plain")).visible == 2

    async def test_batch_send_reports_invalid_entries_and_sends_the_rest(
        self, storage: QueueStorage
    ) -> None:
        """SendMessageBatch: an invalid entry fails on its own, the others are sent."""
        result = await storage.send_message_batch(
            "plain",
            [SendEntry(id="ok", body="fine"), SendEntry(id="bad", body="x", delay_seconds=901)],
        )
        assert [s.id for s in result.successful] == ["ok"]
        assert [f.id for f in result.failed] == ["bad"]
        assert (await storage.queue_depth("plain")).visible == 1

    async def test_delete_by_current_handle_only(self, storage: QueueStorage) -> None:
        """A delete with the current receipt handle deletes; a stale or repeated one does not."""
        await storage.send_message("plain", "x")
        (message,) = await storage.receive_messages("plain", 1)
        assert await storage.delete_messages("plain", [message.receipt_handle, "1-999"]) == [
            True,
            False,
        ]
        assert await storage.delete_messages("plain", [message.receipt_handle]) == [False]
        depth = await storage.queue_depth("plain")
        assert (depth.visible, depth.in_flight, depth.delayed) == (0, 0, 0)

    async def test_exchange_deletes_then_receives_and_says_when_to_look_again(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """One exchange: deletes answered per handle, receives per request; when a receive is
        empty, the time the next hidden message becomes visible (epoch seconds)."""
        await storage.send_message("plain", "x")
        (message,) = await storage.receive_messages("plain", 1)
        answer = await storage.exchange("plain", [], [1])
        assert answer.received == [[]]
        assert answer.next_visible_at == pytest.approx(clock.time() + 10)
        await storage.send_message("plain", "y")
        answer = await storage.exchange("plain", [[message.receipt_handle]], [5])
        assert answer.deleted == [[True]]
        assert [m.body for m in answer.received[0]] == ["y"]
        assert answer.next_visible_at is None

    async def test_purge_and_peek(self, storage: QueueStorage) -> None:
        """Peek reads without receiving (in flight shown); purge deletes everything."""
        await storage.send_message("plain", "a")
        await storage.send_message("plain", "b")
        await storage.receive_messages("plain", 1)
        peeked = await storage.peek_messages("plain", 10)
        assert [(p.body, p.in_flight, p.receive_count) for p in peeked] == [
            ("a", True, 1),
            ("b", False, 0),
        ]
        assert await storage.purge_queue("plain") == 2
        assert await storage.peek_messages("plain", 10) == []


class TestVisibility(QueueStorageContract):
    """Visibility timeouts and delays on the injected clock (§4.1.1, §4.1.2)."""

    async def test_received_message_is_hidden_for_the_visibility_timeout(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """§4.1.1: a received message stays in the queue, hidden for the visibility timeout,
        and comes back afterwards with its receive count raised."""
        await storage.send_message("plain", "x")
        await storage.receive_messages("plain", 1)
        clock.advance(9.9)
        assert await storage.receive_messages("plain", 1) == []
        assert (await storage.queue_depth("plain")).in_flight == 1
        clock.advance(0.1)
        (again,) = await storage.receive_messages("plain", 1)
        assert again.attributes["ApproximateReceiveCount"] == "2"

    async def test_a_new_receive_makes_the_old_handle_stale(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """Once a message is received again, the earlier receipt handle deletes nothing."""
        await storage.send_message("plain", "x")
        (first,) = await storage.receive_messages("plain", 1)
        clock.advance(10)
        (second,) = await storage.receive_messages("plain", 1)
        assert await storage.delete_messages("plain", [first.receipt_handle]) == [False]
        assert await storage.delete_messages("plain", [second.receipt_handle]) == [True]

    async def test_receive_with_its_own_visibility_timeout(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """A receive's visibility timeout overrides the queue's."""
        await storage.send_message("plain", "x")
        await storage.receive_messages("plain", 1, visibility_timeout=2)
        clock.advance(2)
        assert len(await storage.receive_messages("plain", 1)) == 1

    async def test_change_visibility_only_for_messages_in_flight(
        self, storage: QueueStorage
    ) -> None:
        """Visibility 0 releases an in-flight message; a message not in flight is left."""
        await storage.send_message("plain", "x")
        (message,) = await storage.receive_messages("plain", 1)
        assert await storage.change_visibility("plain", [message.receipt_handle], 0) == [True]
        (again,) = await storage.receive_messages("plain", 1)
        await storage.change_visibility("plain", [again.receipt_handle], 0)
        assert await storage.change_visibility("plain", [again.receipt_handle], 5) == [False]
        with pytest.raises(InvalidParameterValue):
            await storage.change_visibility("plain", [again.receipt_handle], 43_201)

    async def test_delayed_message_becomes_visible_after_its_delay(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """A message sent with DelaySeconds is counted delayed, then received after it."""
        await storage.send_message("plain", "later", delay_seconds=5)
        depth = await storage.queue_depth("plain")
        assert (depth.visible, depth.delayed) == (0, 1)
        assert await storage.receive_messages("plain", 1) == []
        clock.advance(5)
        assert [m.body for m in await storage.receive_messages("plain", 1)] == ["later"]
