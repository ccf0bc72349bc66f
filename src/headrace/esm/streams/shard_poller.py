"""One shard of a stream mapping: a reader that fans records out to lanes, and the lanes.

The reader reads the shard in large chunks (one GetRecords for every lane's next batch,
never one call per record), builds each event record once, filters it (§6.6: a filtered-out
record is settled at once, the checkpoint moves past it), and pushes it to the lane of its
ordering key (§5.2). At the tip it waits on the source's wake-ups, never on a timer. It stops
reading while ``read_ahead`` records are unsettled, so a blocked lane bounds memory.

The shard is finished when it was closed, read to its end and every record is settled; the
mapping then stores ``SHARD_END`` and starts its children (§5.5).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence

from headrace.errors import InvalidArgumentException
from headrace.esm.filters.off_loop import filter_off_loop
from headrace.esm.streams.lane import Lane
from headrace.esm.streams.ledger import Entry, ShardLedger, lane_index
from headrace.esm.streams.retry_book import RetryBook
from headrace.esm.streams.stream_context import StreamContext
from headrace.esm.streams.windows import window_start
from headrace.events import StreamRecord
from headrace.sources.source_seam import StreamShard, StreamStart
from headrace.state.state_seam import RetryState
from headrace.statistics import ShardStatistics

log = logging.getLogger("headrace.streams")

# How long a reader at the tip waits before it looks again without a wake-up. Puts wake it
# at once (in and across processes); this only covers a lost cross-process wake-up, and is
# long enough that a thousand idle shards cost next to nothing.
IDLE_RECHECK_SECONDS = 30.0


class ShardPoller:
    """Reads one shard and runs its ``ParallelizationFactor`` lanes."""

    def __init__(
        self,
        shard: StreamShard,
        start: StreamStart,
        checkpoint: str | None,
        ctx: StreamContext,
        retrying: Sequence[RetryState] = (),
    ) -> None:
        self.shard = shard
        self.start = start
        self.ctx = ctx
        self.ledger = ShardLedger(checkpoint)
        save = functools.partial(ctx.checkpoints.update_retrying, shard.shard_id)
        self.retry_book = RetryBook(save, retrying, checkpoint)
        self.lanes = [Lane(self, ctx, i) for i in range(ctx.rules.parallelization_factor)]
        self.in_flight = 0
        self.ended = False  # closed, and read to its end
        self.caught_up = False  # the last read reached the tip
        self.finished = False  # ended and every record settled
        self.millis_behind_latest = 0
        self.iterator_age_ms = 0
        self._stopping = False
        self._room = asyncio.Event()
        self._changed = asyncio.Event()
        self._tasks: list[tuple[Lane | None, asyncio.Task[None]]] = []

    @property
    def shard_id(self) -> str:
        return self.shard.shard_id

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def input_complete(self) -> bool:
        return self.caught_up or self.ended

    @property
    def quiet(self) -> bool:
        """At the tip with nothing unsettled, open or running (a drain check's question)."""
        return (
            self.caught_up
            and self.in_flight == 0
            and self.ledger.unsettled == 0
            and all(lane.idle for lane in self.lanes)
        )

    async def run(self) -> bool:
        """Read and process until stopped (False) or the shard is finished (True)."""
        async with asyncio.TaskGroup() as group:
            self._tasks.append((None, group.create_task(self._read(), name=self.shard_id)))
            for lane in self.lanes:
                task = group.create_task(lane.run(), name=f"{self.shard_id}:lane{lane.index}")
                self._tasks.append((lane, task))
            while not self._stopping and not self._done():
                self._changed.clear()
                await self._changed.wait()
            self.finished = not self._stopping
            self._cancel_idle()
        return self.finished

    def stop(self) -> None:
        """No new batches; batches in flight finish and settle."""
        self._stopping = True
        self._changed.set()
        self._cancel_idle()

    def note_sent(self, last: Entry) -> None:
        self.iterator_age_ms = max(0, int((self.ctx.clock.time() - last.arrival) * 1000))

    def after_settle(self) -> None:
        ledger = self.ledger
        if ledger.advance() and ledger.checkpoint is not None:
            self.ctx.checkpoints.update(self.shard_id, ledger.checkpoint)
        self.after_batch()

    def after_batch(self) -> None:
        if self._backlog() < self.ctx.rules.read_ahead:
            self._room.set()
        self._changed.set()

    def _backlog(self) -> int:
        """Records read and not yet invoked successfully: waiting in lanes or for a retry.

        Records a tumbling window holds until its final invocation do not count: the window
        can only close once later records are read.
        """
        total = 0
        for lane in self.lanes:
            total += len(lane.pending)
            for segment in lane.retries:
                total += len(segment.entries)
        return total

    def statistics(self) -> ShardStatistics:
        if self.finished:
            state = "Ended"
        elif any(lane.retries or lane.retry_at is not None for lane in self.lanes):
            state = "Retrying"
        else:
            state = "Processing"
        return ShardStatistics(
            shard_id=self.shard_id,
            state=state,
            checkpoint=self.ledger.checkpoint,
            iterator_age_ms=self.iterator_age_ms,
            millis_behind_latest=self.millis_behind_latest,
            pending_records=self.ledger.unsettled,
            in_flight_batches=self.in_flight,
        )

    def _done(self) -> bool:
        return self.ended and self.ledger.unsettled == 0 and all(lane.idle for lane in self.lanes)

    def _cancel_idle(self) -> None:
        for lane, task in self._tasks:
            if not task.done() and (lane is None or not lane.busy):
                task.cancel()

    async def _read(self) -> None:
        ctx = self.ctx
        source = ctx.source
        iterator = await self._open()
        while True:
            if self._backlog() >= ctx.rules.read_ahead:
                self._room.clear()
                await self._room.wait()
                continue
            version = source.version()
            chunk = await source.get_records(iterator, ctx.rules.read_limit)
            ctx.hooks.batch_received(polled=len(chunk.records))
            self.millis_behind_latest = chunk.millis_behind_latest
            self._fan_out(chunk.records, await self._rejected(chunk.records))
            if chunk.next_iterator is None:
                self.ended = True
                self._reached_input_end()
                return
            iterator = chunk.next_iterator
            if chunk.at_tip:
                self.caught_up = True
                self._reached_input_end()
                await source.wait_for_records(version, IDLE_RECHECK_SECONDS)
                self.caught_up = False

    async def _open(self) -> str:
        source = self.ctx.source
        try:
            return await source.iterator(self.shard_id, self.start)
        except InvalidArgumentException as exc:
            if self.start.kind != "AFTER_SEQUENCE_NUMBER":
                raise
            # The checkpoint is not from this stream (it was deleted and declared again).
            log.warning("%s: checkpoint not usable (%s); reading from TRIM_HORIZON", self, exc)
            self.ledger = ShardLedger(None)
            self.retry_book.forget_stored()  # its records were another stream's
            return await source.iterator(self.shard_id, StreamStart("TRIM_HORIZON"))

    async def _rejected(self, records: Sequence[StreamRecord]) -> list[bool]:
        """For each record, whether the mapping's filters drop it (§6.6); off the loop if big."""
        shape, matches = self.ctx.shape, self.ctx.matches
        if matches is None:
            return [False] * len(records)

        def judge() -> list[bool]:
            return [not matches(shape.event_record(record)) for record in records]

        return await filter_off_loop(judge, sum(len(record.data) for record in records))

    def _fan_out(self, records: Sequence[StreamRecord], rejected: Sequence[bool]) -> None:
        ctx = self.ctx
        shape, ledger = ctx.shape, self.ledger
        lanes, factor = self.lanes, len(self.lanes)
        seconds = ctx.rules.tumbling_window_seconds
        filtered = 0
        for record, dropped in zip(records, rejected, strict=True):
            start = window_start(record.approximate_arrival_timestamp, seconds) if seconds else None
            entry = Entry(record, shape.encode(record), start)
            if dropped:
                entry.settled = True
                filtered += 1
                ledger.append(entry)
                continue
            ledger.append(entry)
            lanes[lane_index(shape.ordering_key(record), factor)].push(entry)
        if filtered:
            ctx.hooks.batch_received(filtered_out=filtered)
            self.after_settle()

    def _reached_input_end(self) -> None:
        for lane in self.lanes:
            lane.poke()
        self._changed.set()
        self.ctx.changed()

    def __str__(self) -> str:
        return f"{self.ctx.source.arn} {self.shard_id}"
