"""Queue conformance: waiting for work (change versions, wake-ups, receivability)."""

from __future__ import annotations

import asyncio

from headrace.broker.storage_seam import QueueStorage
from headrace.clock import FakeClock
from headrace.testing.conformance.queue_conformance_base import QueueStorageContract, queue_arn


class TestWaiting(QueueStorageContract):
    """Wake-ups: a send or a visibility change wakes a waiter; a timeout runs on the clock."""

    async def test_a_send_wakes_a_waiter(self, storage: QueueStorage) -> None:
        """A waiter that read the change version before looking is woken by a send."""
        arn = queue_arn("plain")
        version = storage.change_version(arn)
        waiter = asyncio.ensure_future(storage.wait_for_change(arn, version, 60))
        await asyncio.sleep(0)
        assert not waiter.done()
        await storage.send_message("plain", "x")
        assert await asyncio.wait_for(waiter, 5) is True
        assert storage.change_version(arn) > version

    async def test_a_change_before_the_wait_is_not_lost(self, storage: QueueStorage) -> None:
        """A change between reading the version and waiting makes the wait return at once."""
        arn = queue_arn("plain")
        version = storage.change_version(arn)
        await storage.send_message("plain", "x")
        assert await storage.wait_for_change(arn, version, 60) is True

    async def test_wait_times_out_on_the_clock(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """With no change, the wait answers False once the clock passes its timeout."""
        arn = queue_arn("plain")
        waiter = asyncio.ensure_future(storage.wait_for_change(arn, storage.change_version(arn), 5))
        for _ in range(10):  # let the waiter start sleeping on the clock
            await asyncio.sleep(0)
        assert not waiter.done()
        clock.advance(5)
        assert await asyncio.wait_for(waiter, 5) is False

    async def test_receivable_says_when_to_look_again(
        self, storage: QueueStorage, clock: FakeClock
    ) -> None:
        """Receivability: ready when a message is visible; else when the next one shows."""
        assert (await storage.receivable("plain")).ready is False
        await storage.send_message("plain", "x", delay_seconds=3)
        look = await storage.receivable("plain")
        assert not look.ready
        assert look.next_visible_at == clock.time() + 3
        clock.advance(3)
        assert (await storage.receivable("plain")).ready is True

    async def test_fifo_group_in_flight_is_not_receivable(self, storage: QueueStorage) -> None:
        """§4.1.7: a FIFO message behind one in flight in its group could not be received."""
        for body in ("a", "b"):
            await storage.send_message(
                "jobs.fifo", body, message_group_id="g", message_deduplication_id=body
            )
        await storage.receive_messages("jobs.fifo", 1)
        assert (await storage.receivable("jobs.fifo")).ready is False
