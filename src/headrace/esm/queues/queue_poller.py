"""One queue mapping's pollers: wait → reserve a worker → gather → invoke → outcome → settle.

Each lane is one concurrent batch. A lane reserves a unit of the function's concurrency
*before* it receives, so messages never sit received while waiting for a worker: no receive
count is burned by throttling (AWS burns them, §4.1.4; headrace does better, see
docs/semantics.md).

Outcomes (§4.1.1, §3.5): success settles the batch as done (SQS: deletes it); a function
error settles nothing as done and leaves every message to its visibility timeout and the
queue's redrive policy; a partial response settles what was not reported as done. A source
without visibility timeouts is told the failures too (it decides their redelivery). On
FIFO queues the messages after a failed one in the same group are kept too, so a group's
order is never broken (a deliberate deviation from §3.5.8, where AWS deletes them).

The source is read through a :class:`~headrace.esm.queues.queue_reader.QueueReader`,
bound once from its capabilities when the mapping is built.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from headrace.clock import Clock, wait_or_sleep
from headrace.errors import SourceUnavailable
from headrace.esm.hooks import EngineHooks, Settled
from headrace.esm.outcome import BatchOutcome, OutcomeKind, fifo_hold_back, interpret
from headrace.esm.queues.queue_batch import BatchRules, QueueBatch, RecordFilter, gather_batch
from headrace.esm.queues.queue_reader import QueueReader, return_now
from headrace.esm.queues.scaling import QueueScaler
from headrace.events import QueueMessage
from headrace.functions.function_seam import FunctionRuntime, Slot
from headrace.retry import Backoff
from headrace.sources.source_seam import Settlement

# How long an idle lane waits on the source before it looks at its own state again.
# Waiting is event-driven (new messages wake it); this only bounds a stale wait.
IDLE_WAIT_SECONDS = 20.0
# Backoff after a lane hits an unexpected error (the source failed, say): 1 s, doubling per
# consecutive failure up to 30 s; unjittered, the lanes' errors are rare and logged.
FAULT_BACKOFF = Backoff(base=1.0, cap=30.0)

log = logging.getLogger("headrace.esm")


@dataclass(slots=True)
class QueuePoller:
    """Runs the lanes of one queue mapping. The mapping decides how many via the scaler."""

    reader: QueueReader
    runtime: FunctionRuntime
    rules: BatchRules
    clock: Clock
    scaler: QueueScaler
    hooks: EngineHooks
    report_batch_item_failures: bool
    matches: RecordFilter | None = None
    # Events set after every batch: the mapping (to adjust lanes) and the drain check wait.
    watchers: list[asyncio.Event] = field(default_factory=list)
    _busy: set[int] = field(default_factory=set)
    _carried: dict[int, list[QueueMessage]] = field(default_factory=dict)
    # Each lane's settle of its last batch, still running (sources with ConcurrentSettle):
    # it rides along with the lane's next receive (the embedded queue: one broker call for
    # both), and is awaited before the lane ends.
    _settling: dict[int, asyncio.Task[int | Exception]] = field(default_factory=dict)
    # The mapping's task group (set as it runs): the settles above are tasks of it.
    tasks: asyncio.TaskGroup | None = None
    _faults: int = 0

    def is_busy(self, lane: int) -> bool:
        """Whether a lane holds messages or a worker right now (it must not be cancelled)."""
        return lane in self._busy

    async def run_lane(self, lane: int, stopping: asyncio.Event) -> None:
        """Poll until stopping is set or the scaler no longer wants this lane.

        A lane whose last receive found messages receives again at once: under a backlog
        it skips the wait for visible messages (one broker call fewer per batch). A lane
        whose receive found nothing waits for the source to wake it.
        """
        eager = False
        try:
            while not stopping.is_set() and lane < self.scaler.target:
                if not (eager or self._carried.get(lane)) and not await self.reader.wait_ready(
                    IDLE_WAIT_SECONDS
                ):
                    continue
                if stopping.is_set():
                    break
                self._busy.add(lane)
                eager, changed = False, True
                try:
                    target = self.scaler.target
                    async with self._reserve() as slot:
                        polled = await self._one_batch(lane, slot)
                    self._faults = 0
                    eager = polled > 0
                    changed = polled < self.rules.batch_size or target != self.scaler.target
                except Exception as exc:  # one bad batch must not stop the mapping
                    await self._back_off(exc, stopping)
                finally:
                    self._busy.discard(lane)
                    if changed:
                        self._notify()
        finally:
            await self._release_carried(lane)
            await self._finish_settle(lane)

    def _notify(self) -> None:
        """Wake the watchers: the mapping (lanes to add) and the drain check.

        Called when a batch may have changed what they wait for: the scaler's target moved,
        a receive came back short (the queue may be empty now), or the lane hit an error. A full
        receive is always followed by another receive of the same lane, so the batch that
        empties the queue is followed by a short one, which notifies.
        """
        for watcher in self.watchers:
            watcher.set()

    async def _back_off(self, exc: Exception, stopping: asyncio.Event) -> None:
        """Log an unexpected error and wait before the lane tries again.

        Nothing is lost: messages the failed batch had received stay in flight and come back
        after their visibility timeout, as after a function error. A stop ends the wait at
        once: the lane holds nothing while it backs off.
        """
        self._faults += 1
        delay = FAULT_BACKOFF.delay(self._faults)
        if isinstance(exc, SourceUnavailable):
            # The source could not be read (a real queue deleted, access denied): AWS's
            # message says it all, as for stream mappings; no traceback on every retry.
            self.hooks.problem(str(exc))
            log.warning("%s: %s; retrying in %.0f s", self.rules.source_arn, exc, delay)
        else:
            self.hooks.problem(f"{type(exc).__name__}: {exc}")
            log.error("%s: %s; retrying in %.0f s", self.rules.source_arn, exc, delay, exc_info=exc)
        await wait_or_sleep(self.clock, stopping, delay)  # a stop ends the wait

    def _reserve(self) -> AbstractAsyncContextManager[Slot]:
        # try_reserve counts a throttle when no worker is free; then wait for one.
        return self.runtime.try_reserve() or self.runtime.reserve()

    async def _one_batch(self, lane: int, slot: Slot) -> int:
        """Gather, invoke and settle one batch; return how many messages were received."""
        carried = self._carried.pop(lane, [])
        batch = await gather_batch(
            self.reader, self.rules, self.clock, matches=self.matches, carried=carried
        )
        self.hooks.batch_received(polled=batch.polled, filtered_out=len(batch.filtered))
        if batch.overflow:
            self._carried[lane] = batch.overflow
        try:
            await self._settled(lane)
            if batch.filtered:
                # §6.6: filtered-out SQS messages are deleted, never invoked.
                await self.reader.settle(Settlement(succeeded=batch.filtered))
            if not batch.messages:
                if not batch.polled:
                    self.scaler.on_idle()
                return batch.polled
            if len(batch.messages) >= self.rules.batch_size:
                self.scaler.on_backlog()
            await self._invoke(lane, batch, slot)
        except asyncio.CancelledError:
            # A forced stop (the invocation was cancelled, its worker killed): the batch
            # was not processed, so it goes back to the queue at once, not deleted.
            await return_now(self.reader, batch.messages)
            raise
        return batch.polled

    async def _invoke(self, lane: int, batch: QueueBatch, slot: Slot) -> None:
        self.hooks.invoke_started()
        try:
            result = await slot.invoke(batch.payload())
        finally:
            self.hooks.invoke_ended()
        ids = [m.message_id for m in batch.messages]
        outcome = interpret(result, ids, report_batch_item_failures=self.report_batch_item_failures)
        self.hooks.batch_invoked(len(ids), outcome)
        settlement = self._settlement(batch.messages, outcome)
        if settlement is None:
            return
        if self.reader.concurrent_settles:
            self._start_settle(lane, settlement)
        else:
            self.hooks.settled(Settled(deleted=await self.reader.settle(settlement)))

    def _settlement(
        self, messages: Sequence[QueueMessage], outcome: BatchOutcome
    ) -> Settlement | None:
        """What the outcome says is done (§4.1.1, §3.5); None: nothing to settle.

        Failures are left to the source's visibility timeout, or, for a source without
        one, settled as failed so the source can redeliver them.
        """
        if outcome.kind is OutcomeKind.SUCCESS:
            return Settlement(succeeded=messages)
        if outcome.kind is OutcomeKind.FAILURE:
            if not self.report_batch_item_failures:
                self.scaler.on_function_error()
            if self.reader.settle_failures:
                return Settlement(succeeded=(), failed=messages)
            return None
        keep = set(outcome.failed_ids)
        if self.reader.fifo:
            pairs = [(m.message_id, m.group_id or "") for m in messages]
            keep |= fifo_hold_back(outcome, pairs)
        done = [m for m in messages if m.message_id not in keep]
        failed = (
            [m for m in messages if m.message_id in keep] if self.reader.settle_failures else []
        )
        if done or failed:
            return Settlement(succeeded=done, failed=failed)
        return None

    def _start_settle(self, lane: int, settlement: Settlement) -> None:
        """Settle without waiting (a source with
        :class:`~headrace.sources.source_seam.ConcurrentSettle`): the lane's next receive
        runs alongside (the embedded queue: one broker call for both).

        The lane awaits the result after that receive (:meth:`_settled`), so a failed
        settle still surfaces in the lane, and the count is in before the lane notifies.
        Messages stay hidden until then, as they were while the handler ran. A source
        without concurrent settles is settled before the lane goes on (:meth:`_invoke`).
        A plain method, not a coroutine: nothing here waits.
        """
        assert self.tasks is not None, "a lane runs inside its mapping's task group"
        self._settling[lane] = self.tasks.create_task(_captured(self.reader.settle(settlement)))

    async def _settled(self, lane: int) -> None:
        """Wait for the lane's running settle, if any, and count what it settled as done."""
        task = self._settling.pop(lane, None)
        if task is not None:
            # Await first, then add: `x += await ...` reads x before suspending, so two
            # lanes settling at once would lose one lane's count.
            deleted = await task
            if isinstance(deleted, Exception):
                raise deleted
            self.hooks.settled(Settled(deleted=deleted))

    async def _finish_settle(self, lane: int) -> None:
        """A lane ends: let its last settle finish (even if the lane was cancelled).

        A settle that fails here is logged; its messages come back by the source's rule
        (SQS: after their visibility timeout), as after any failed settle. The watchers
        are woken: the queue may be empty now, and no later receive of this lane will tell
        them.
        """
        task = self._settling.pop(lane, None)
        if task is None:
            return
        deleted = await asyncio.shield(task)
        if isinstance(deleted, Exception):
            log.error("%s: settle failed: %s", self.rules.source_arn, deleted, exc_info=deleted)
        else:
            self.hooks.settled(Settled(deleted=deleted))
        self._notify()

    async def _release_carried(self, lane: int) -> None:
        # Back to the queue at once: nothing received is held past shutdown.
        await return_now(self.reader, self._carried.pop(lane, []))


async def _captured(call: Awaitable[int]) -> int | Exception:
    """``call``'s result, or the error it raised: a failed settle must not end the mapping's
    task group; the lane that awaits it raises or logs it (:meth:`QueuePoller._settled`)."""
    try:
        return await call
    except Exception as exc:
        return exc
