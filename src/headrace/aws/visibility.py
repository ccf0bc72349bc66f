"""The visibility heartbeat: received SQS messages stay invisible while headrace holds them.

A message is *leased* from the moment a receive returns it until it is deleted, released,
or its batch is settled. While leased, whenever half of its visibility timeout has passed
since it was last set, ``ChangeMessageVisibilityBatch`` sets it again, so a batch that is
still running, or a message waiting for a worker, is never delivered a second time.

When a batch is settled, messages of it that were not deleted (failures) must come back
after their visibility timeout, as on Lambda (§4.1.2), so their lease ends:

- messages the source holds for a lane that has not taken them yet (``owner`` None) are
  extended until a lane takes them or the source closes;
- messages handed to a lane are extended until the lane *asks the source again*
  (:meth:`VisibilityKeeper.settle_owner`: a lane works on one batch at a time, so its next
  wait or next batch's receive means the earlier batch is settled), until the lane's task
  ends, or at the latest ``batch_seconds`` after they were handed out (the longest a batch
  can take: batching window + function Timeout + a cold-start allowance);
- messages whose delete has been asked for (:meth:`VisibilityKeeper.deleting`) are extended
  until SQS answers it, whatever their lane does meanwhile: the engine lets a batch's
  delete run alongside the lane's next receive, so the lane settles its batch before the
  delete lands, and a delete slower than the visibility left (a loaded machine, retries)
  would otherwise let a processed message be delivered again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from headrace.aws.sqs_api import SqsQueueApi
from headrace.clock import Clock, wait_or_sleep
from headrace.errors import SourceUnavailable
from headrace.events import QueueMessage

log = logging.getLogger("headrace.aws")

# A lease is extended once this share of its visibility timeout has passed.
EXTEND_AT_SHARE = 0.5
# When an extension call fails, try again this much later (well inside the remaining half).
RETRY_EXTEND_SECONDS = 0.25


@dataclass(slots=True)
class _Lease:
    message: QueueMessage
    visibility: int  # seconds each extension sets
    extend_at: float  # monotonic time of the next extension
    owner: asyncio.Task[object] | None = None  # the lane it was handed to; None: held
    deadline: float | None = None  # monotonic; extension stops after it (handed-out only)
    deleting: bool = False  # its delete is under way: kept until forgotten


@dataclass(frozen=True, slots=True)
class VisibilityStatistics:
    """What the heartbeat did: extensions made and failed, leases now held and handed out."""

    extensions: int
    extension_failures: int
    held: int
    handed_out: int


class VisibilityKeeper:
    """Leases of one queue's received messages, and the loop that extends them."""

    def __init__(self, api: SqsQueueApi, clock: Clock, *, batch_seconds: float) -> None:
        self._api = api
        self._clock = clock
        self._batch_seconds = batch_seconds
        self._leases: dict[str, _Lease] = {}
        self._changed = asyncio.Event()
        self._extensions = 0
        self._failures = 0
        # Held while visibility is being changed, so a release (timeout 0) never races an
        # extension of the same message.
        self.lock = asyncio.Lock()

    def hold(self, messages: Iterable[QueueMessage], visibility: int) -> None:
        """Lease messages the source keeps until a lane takes them."""
        self._add(messages, visibility, owner=None, deadline=None, extend_now=False)

    def hand_out(
        self,
        messages: Iterable[QueueMessage],
        visibility: int,
        *,
        owner: asyncio.Task[object] | None,
        extend_now: bool = False,
    ) -> None:
        """Lease messages given to a lane's batch (``extend_now``: set ``visibility`` at once)."""
        deadline = self._clock.monotonic() + self._batch_seconds
        self._add(messages, visibility, owner=owner, deadline=deadline, extend_now=extend_now)

    def settle_owner(self, owner: asyncio.Task[object] | None) -> None:
        """The lane ``owner`` asks again: its earlier batch is settled; stop extending it."""
        if owner is None:
            return
        for handle in [h for h, lease in self._leases.items() if lease.owner is owner]:
            del self._leases[handle]

    def deleting(self, messages: Iterable[QueueMessage]) -> None:
        """Their delete is asked for: extend them until :meth:`forget`, owner and deadline
        aside. Messages no longer leased are left alone (their visibility may have run out)."""
        for message in messages:
            lease = self._leases.get(message.receipt_handle)
            if lease is not None:
                lease.owner, lease.deadline, lease.deleting = None, None, True

    def forget(self, messages: Iterable[QueueMessage]) -> None:
        """Messages deleted or released: no more extensions."""
        for message in messages:
            self._leases.pop(message.receipt_handle, None)

    def statistics(self) -> VisibilityStatistics:
        leases = self._leases.values()
        held = sum(1 for lease in leases if lease.deadline is None and not lease.deleting)
        return VisibilityStatistics(
            self._extensions, self._failures, held, len(self._leases) - held
        )

    async def run(self) -> None:
        """Extend due leases until cancelled (the source's aclose cancels it)."""
        while True:
            self._changed.clear()
            self._expire()
            due = [lease for lease in self._leases.values() if self._is_due(lease)]
            if due:
                await self._extend(due)
                continue
            await self._sleep(self._next_due())

    def _add(
        self,
        messages: Iterable[QueueMessage],
        visibility: int,
        *,
        owner: asyncio.Task[object] | None,
        deadline: float | None,
        extend_now: bool,
    ) -> None:
        if visibility <= 0:
            return  # visible at once anyway: nothing to keep
        now = self._clock.monotonic()
        for message in messages:
            extend_at = now if extend_now else now + visibility * EXTEND_AT_SHARE
            earlier = self._leases.get(message.receipt_handle)
            if earlier is not None:
                # Held until now: its visibility was last set then, not now.
                extend_at = min(extend_at, earlier.extend_at)
            self._leases[message.receipt_handle] = _Lease(
                message, visibility, extend_at, owner, deadline
            )
        self._changed.set()

    def _is_due(self, lease: _Lease) -> bool:
        return lease.extend_at <= self._clock.monotonic()

    def _expire(self) -> None:
        now = self._clock.monotonic()
        for handle, lease in list(self._leases.items()):
            ended = lease.owner is not None and lease.owner.done()
            if ended or (lease.deadline is not None and now >= lease.deadline):
                del self._leases[handle]

    def _next_due(self) -> float | None:
        if not self._leases:
            return None
        soonest = min(lease.extend_at for lease in self._leases.values())
        return max(0.0, soonest - self._clock.monotonic())

    async def _extend(self, due: Sequence[_Lease]) -> None:
        by_visibility: dict[int, list[_Lease]] = {}
        for lease in due:
            by_visibility.setdefault(lease.visibility, []).append(lease)
        for visibility, leases in by_visibility.items():
            handles = [lease.message.receipt_handle for lease in leases]
            try:
                async with self.lock:
                    accepted = await self._api.change_visibility(handles, visibility)
            except SourceUnavailable as exc:
                self._failures += 1
                log.warning("%s: could not extend visibility: %s", self._api.arn, exc)
                self._reschedule(leases, RETRY_EXTEND_SECONDS)
                continue
            self._extensions += len(accepted)
            self.forget(
                lease.message for lease in leases if lease.message.receipt_handle not in accepted
            )
            self._reschedule(leases, visibility * EXTEND_AT_SHARE)

    def _reschedule(self, leases: Sequence[_Lease], after: float) -> None:
        at = self._clock.monotonic() + after
        for lease in leases:
            if self._leases.get(lease.message.receipt_handle) is lease:
                lease.extend_at = at

    async def _sleep(self, seconds: float | None) -> None:
        """Sleep ``seconds`` on the clock (forever if None), or until leases change.

        :func:`~headrace.clock.wait_or_sleep` awaits what it started, so no waiter is left
        behind when this returns or is cancelled."""
        if seconds is None:
            await self._changed.wait()
        else:
            await wait_or_sleep(self._clock, self._changed, seconds)
