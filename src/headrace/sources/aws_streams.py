"""What Kinesis and DynamoDB Streams share as sources: iterators, pacing, errors, problems.

Both services read a shard the same way (GetShardIterator, then GetRecords with the
NextShardIterator it returns), so :class:`AwsStreamSource` does that once and leaves each
service only what differs (a :class:`StreamApi`: listing shards, the calls' parameter names,
turning a record into a :class:`~headrace.events.StreamRecord`).

- **Iterators are the source's own.** The engine holds a token; the source keeps the AWS
  iterator behind it and the last sequence number read through it. An expired iterator
  (AWS's live five minutes, DynamoDB's fifteen) is renewed after that sequence number --
  or at the token's start if nothing was read -- so nothing is skipped or read twice.
- **Pacing (§2.11).** A shard at its tip is polled again after ``poll_interval`` (Kinesis
  1 s, DynamoDB Streams 0.25 s): :meth:`wait_for_records` sleeps on the injected clock.
  Behind the tip, reads follow each other at once, but never closer than
  :data:`MIN_READ_SPACING_SECONDS` on one shard (GetRecords' 5 calls/s per shard), nor faster
  than :data:`READ_BYTES_PER_SECOND` (Kinesis's 2 MiB/s per shard).
- **Errors.** Every call is retried until it succeeds, so no record is lost or skipped:
  transient failures (throttling, ProvisionedThroughputExceeded, 5xx, network) after a
  jittered backoff; a missing resource or denied access after :data:`PROBLEM_RETRY_SECONDS`,
  showing AWS's message as the mapping's ``LastProcessingResult`` meanwhile
  (:meth:`report_to`); the first success clears it.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from headrace.aws.aws_errors import AwsFailure, classify
from headrace.aws.aws_retry import RetryPolicy
from headrace.clock import Clock
from headrace.errors import InvalidArgumentException
from headrace.events import StreamRecord
from headrace.retry import Backoff, Jitter
from headrace.sources.aws_problems import ProblemListener, ProblemReport, problem_text
from headrace.sources.source_seam import ShardRecords, StreamShard, StreamStart

log = logging.getLogger("headrace.aws")

T = TypeVar("T")

# GetRecords allows 5 calls per second per shard (Kinesis and DynamoDB Streams): reads of one
# shard are spaced at least this far apart, so a reader never throttles itself.
MIN_READ_SPACING_SECONDS = 0.2
# Kinesis serves at most 2 MiB/s of reads per shard: after a read of B bytes the next read of
# that shard waits B / this many seconds (if longer than the spacing above), so a reader
# catching up on a full shard never runs into ProvisionedThroughputExceeded by itself.
READ_BYTES_PER_SECOND = 2 * 1024 * 1024
# How long a mapping with a missing resource or denied access waits before it tries again:
# long enough not to hammer AWS, short enough that a fixed cause is noticed soon.
PROBLEM_RETRY_SECONDS = 10.0
# The codes AWS gives an iterator that is too old to use: renewed from the last read.
EXPIRED_ITERATOR_CODES = frozenset({"ExpiredIteratorException", "TrimmedDataAccessException"})
# What GetShardIterator says of a start it cannot use: a sequence number of another stream,
# or one trimmed by retention (§7.7: those records are gone). Reading starts over at
# TRIM_HORIZON, the oldest record still kept.
UNUSABLE_START = frozenset({"InvalidArgumentException", "TrimmedDataAccessException"})
# A checkpoint that stands for "records that arrive after this epoch time": how a LATEST
# start is kept on Kinesis, which cannot tell a shard's newest sequence number (§7.1).
AT_TIMESTAMP_MARK = "AT_TIMESTAMP:"
# Reads :meth:`AwsStreamSource.has_records_after` makes past empty stretches of a shard
# (Kinesis may return no records while later ones exist) before it says "none".
PEEK_READS = 5
# How often, at most, an empty read re-lists the shards to learn which were closed by a
# reshard meanwhile (only servers that never end a closed shard's iterators, like moto, need
# it; on AWS a closed shard ends with no NextShardIterator).
RELIST_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class ShardInfo:
    """A shard as listed, with where a closed shard ends (None: open)."""

    shard: StreamShard
    ending_sequence_number: str | None


@dataclass(frozen=True, slots=True)
class RawRead:
    """One GetRecords as the service returned it, records already converted."""

    records: list[StreamRecord]
    next_iterator: str | None
    millis_behind_latest: int | None  # None: the service does not say (DynamoDB Streams)


class StreamApi(Protocol):
    """What differs between Kinesis and DynamoDB Streams (see kinesis.py, dynamodb_streams.py)."""

    service: str  # the name in AWS's messages: "Kinesis" or "DynamoDB Streams"

    async def list_shards(self) -> list[ShardInfo]: ...

    async def shard_iterator(self, shard_id: str, start: StreamStart) -> str: ...

    async def get_records(self, iterator: str, shard_id: str, limit: int) -> RawRead: ...


@dataclass(slots=True)
class _Cursor:
    """The AWS iterator behind one token, and where it stands."""

    shard_id: str
    start: StreamStart
    aws_iterator: str
    last_sequence: str | None = None


@dataclass(frozen=True, slots=True)
class AwsStreamStatistics:
    """What one AWS stream source did: reads, records, retries, renewed iterators, problems."""

    reads: int
    records: int
    retries: int
    problems: int
    renewed_iterators: int
    problem: str | None


@dataclass(slots=True)
class _Counts:
    reads: int = 0
    records: int = 0
    retries: int = 0
    problems: int = 0
    renewed: int = 0


class AwsStreamSource:
    """A Kinesis stream or DynamoDB stream through its AWS API, as a StreamSource."""

    def __init__(
        self,
        api: StreamApi,
        arn: str,
        *,
        clock: Clock,
        poll_interval: float,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._api = api
        self._arn = arn
        self._clock = clock
        self._poll_interval = poll_interval
        self._policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self._close = close
        self._cursors: dict[str, _Cursor] = {}
        self._tokens = itertools.count(1)
        self._ending: dict[str, str | None] = {}
        self._next_read_at: dict[str, float] = {}
        self._listed_at: float | None = None
        self._counts = _Counts()
        self._report = ProblemReport()

    @property
    def arn(self) -> str:
        return self._arn

    @property
    def poll_interval(self) -> float:
        return self._poll_interval

    def report_to(self, listener: ProblemListener) -> None:
        """Tell ``listener`` of problems (missing stream, denied access) and their end."""
        if listener not in self._report.listeners:  # a rebuilt mapping hands the same one
            self._report.listeners.append(listener)

    async def list_shards(self) -> list[StreamShard]:
        listed = await self.call("ListShards", self._api.list_shards)
        self._ending = {info.shard.shard_id: info.ending_sequence_number for info in listed}
        self._listed_at = self._clock.monotonic()
        return [info.shard for info in listed]

    async def iterator(self, shard_id: str, start: StreamStart) -> str:
        """A token for a new cursor at ``start``; a foreign checkpoint raises
        :class:`~headrace.errors.InvalidArgumentException` (the poller then starts over)."""
        aws_iterator = await self._open(shard_id, start)
        token = f"{shard_id}#{next(self._tokens)}"
        cursor = _Cursor(shard_id, start, aws_iterator)
        seq = start.sequence_number
        if start.kind == "AFTER_SEQUENCE_NUMBER" and seq and seq.isdigit():
            cursor.last_sequence = seq
        self._cursors[token] = cursor
        return token

    async def get_records(self, iterator: str, limit: int) -> ShardRecords:
        cursor = self._cursors.pop(iterator)
        await self._space_reads(cursor.shard_id)
        read = await self._read(cursor, limit)
        self._pace_after(cursor.shard_id, sum(len(r.data) for r in read.records))
        self._counts.reads += 1
        self._counts.records += len(read.records)
        if read.records:
            cursor.last_sequence = read.records[-1].sequence_number
        else:
            await self._relist_if_due(cursor.shard_id)
        at_tip = not read.records or len(read.records) < limit
        if read.millis_behind_latest is not None:
            at_tip = at_tip and read.millis_behind_latest == 0
        next_token: str | None = None
        if read.next_iterator is not None and not self._ended(cursor, read):
            cursor.aws_iterator = read.next_iterator
            next_token = f"{cursor.shard_id}#{next(self._tokens)}"
            self._cursors[next_token] = cursor
        return ShardRecords(read.records, next_token, read.millis_behind_latest or 0, at_tip)

    def version(self) -> int:
        """Always 0: AWS sends no wake-ups, so a reader at its tip polls on a timer."""
        return 0

    async def wait_for_records(self, version: int, timeout: float) -> bool:
        """Sleep until this shard's next poll (§2.11); True: read again.

        Every shard sleeps its own full interval (no shared counter lets one shard's poll
        cut another's wait short), so each shard is read at the base rate at its tip.
        """
        await self._clock.sleep(min(timeout, self._poll_interval))
        return True

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        """Kinesis keeps no "newest sequence number": a LATEST start is kept as the time
        it was resolved (``AT_TIMESTAMP:<epoch>``), read back as an AT_TIMESTAMP iterator."""
        return f"{AT_TIMESTAMP_MARK}{self._clock.time():.3f}"

    async def has_records_after(self, shard_id: str, sequence_number: str | None) -> bool:
        start = _resume(sequence_number)
        token = await self.iterator(shard_id, start)
        try:
            for _ in range(PEEK_READS):
                chunk = await self.get_records(token, 1)
                if chunk.records:
                    return True
                if chunk.next_iterator is None or chunk.millis_behind_latest == 0:
                    return False
                token = chunk.next_iterator
            return False
        finally:
            self._cursors.pop(token, None)

    async def aclose(self) -> None:
        self._cursors.clear()
        if self._close is not None:
            await self._close()
            self._close = None

    def statistics(self) -> AwsStreamStatistics:
        counts = self._counts
        return AwsStreamStatistics(
            reads=counts.reads,
            records=counts.records,
            retries=counts.retries,
            problems=counts.problems,
            renewed_iterators=counts.renewed,
            problem=self._report.shown,
        )

    async def call(self, operation: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Await ``fn()`` until it succeeds (see the module doc); other errors propagate."""
        retry = 0
        while True:
            try:
                result = await fn()
            except Exception as exc:
                failure = classify(exc, operation)
                if operation == "GetShardIterator" and failure and failure.code in UNUSABLE_START:
                    raise InvalidArgumentException(failure.message) from exc
                if failure is None or failure.code in EXPIRED_ITERATOR_CODES:
                    raise
                retry += 1
                await self._back_off(failure, retry)
                continue
            self._report.show(None)
            return result

    async def _back_off(self, failure: AwsFailure, retry: int) -> None:
        if failure.transient:
            self._counts.retries += 1
            delay = self._policy.delay(retry, self._rng)
        else:
            self._counts.problems += 1
            text = problem_text(self._api.service, failure, self._arn)
            if text != self._report.shown:
                log.warning("%s: %s", self._arn, text)
            self._report.show(text)
            problem = Backoff(
                base=PROBLEM_RETRY_SECONDS, cap=PROBLEM_RETRY_SECONDS, jitter=Jitter.HALF
            )
            delay = problem.delay(1, self._rng)
        await self._clock.sleep(delay)

    async def _open(self, shard_id: str, start: StreamStart) -> str:
        return await self.call(
            "GetShardIterator", lambda: self._api.shard_iterator(shard_id, _aws_start(start))
        )

    async def _read(self, cursor: _Cursor, limit: int) -> RawRead:
        """GetRecords; an expired iterator is renewed where the cursor stands."""
        while True:
            try:
                return await self.call(
                    "GetRecords",
                    lambda: self._api.get_records(cursor.aws_iterator, cursor.shard_id, limit),
                )
            except Exception as exc:
                failure = classify(exc, "GetRecords")
                if failure is None or failure.code not in EXPIRED_ITERATOR_CODES:
                    raise
                self._counts.renewed += 1
                start = (
                    cursor.start if cursor.last_sequence is None else _resume(cursor.last_sequence)
                )
                try:
                    cursor.aws_iterator = await self._open(cursor.shard_id, start)
                except InvalidArgumentException:
                    log.warning(
                        "%s %s: %s trimmed; reading from TRIM_HORIZON",
                        self._arn,
                        cursor.shard_id,
                        start,
                    )
                    cursor.aws_iterator = await self._open(
                        cursor.shard_id, StreamStart("TRIM_HORIZON")
                    )

    async def _space_reads(self, shard_id: str) -> None:
        """Wait until this shard may be read again (5 reads/s, 2 MiB/s per shard)."""
        due = self._next_read_at.get(shard_id)
        now = self._clock.monotonic()
        if due is not None and now < due:
            await self._clock.sleep(due - now)

    def _pace_after(self, shard_id: str, read_bytes: int) -> None:
        gap = max(MIN_READ_SPACING_SECONDS, read_bytes / READ_BYTES_PER_SECOND)
        self._next_read_at[shard_id] = self._clock.monotonic() + gap

    async def _relist_if_due(self, shard_id: str) -> None:
        """After an empty read of a shard not known closed, list again now and then."""
        if self._ending.get(shard_id) is not None:
            return
        now = self._clock.monotonic()
        if self._listed_at is None or now - self._listed_at >= RELIST_SECONDS:
            self._listed_at = now  # one listing at a time, however many shards are idle
            await self.list_shards()

    def _ended(self, cursor: _Cursor, read: RawRead) -> bool:
        """A closed shard read past its last record (AWS then returns no NextShardIterator;
        moto keeps returning one, so the source also checks the listed ending number)."""
        ending = self._ending.get(cursor.shard_id)
        if ending is None or read.records or cursor.last_sequence is None:
            return False
        return int(cursor.last_sequence) >= int(ending)


def _resume(sequence_number: str | None) -> StreamStart:
    """Where to read after ``sequence_number`` (a checkpoint, possibly a LATEST mark)."""
    if sequence_number is None:
        return StreamStart("TRIM_HORIZON")
    return StreamStart("AFTER_SEQUENCE_NUMBER", sequence_number)


def _aws_start(start: StreamStart) -> StreamStart:
    """A stored ``AT_TIMESTAMP:<epoch>`` checkpoint as the AT_TIMESTAMP start it stands for."""
    seq = start.sequence_number
    if start.kind == "AFTER_SEQUENCE_NUMBER" and seq and seq.startswith(AT_TIMESTAMP_MARK):
        return StreamStart("AT_TIMESTAMP", timestamp=float(seq[len(AT_TIMESTAMP_MARK) :]))
    return start


def sequence_args(start: StreamStart) -> dict[str, Any]:
    """GetShardIterator's parameters for ``start`` (both services name them alike)."""
    args: dict[str, Any] = {"ShardIteratorType": start.kind}
    if start.sequence_number is not None:
        args["StartingSequenceNumber"] = start.sequence_number
    if start.timestamp is not None:
        args["Timestamp"] = start.timestamp
    return args
