"""Gathering one queue batch: BatchSize, the batching window and the 6 MB cap (§2.1-2.5)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import msgspec

from headrace.clock import Clock
from headrace.esm.filters.off_loop import filter_off_loop
from headrace.events import QueueMessage, sqs_record
from headrace.sources.base import QueueSource

# §2.1 / §9.8: the synchronous invocation payload quota, which cannot be raised.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# Bytes of `{"Records":[` and `]}` around the records.
ENVELOPE_BYTES = len(b'{"Records":[]}')
# §4.1.5: extra visibility AWS adds when window + timeout exceed the queue's timeout.
VISIBILITY_MARGIN_SECONDS = 30

_encode = msgspec.json.Encoder().encode

log = logging.getLogger("headrace.esm")


@dataclass(slots=True)
class QueueBatch:
    """Messages gathered for one invocation, with their records and what was filtered out.

    ``encoded`` holds each record's JSON, encoded once: it gives the record's size against
    the 6 MB cap and, joined, the invocation payload (:meth:`payload`).
    """

    messages: list[QueueMessage] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    filtered: list[QueueMessage] = field(default_factory=list)
    # Received but over the 6 MB cap: they open the lane's next batch.
    overflow: list[QueueMessage] = field(default_factory=list)
    polled: int = 0
    size: int = ENVELOPE_BYTES

    def add(self, message: QueueMessage, record_json: bytes) -> bool:
        """Add a message if the payload stays within 6 MB; False (not added) otherwise."""
        size = len(record_json) + 1  # the record and a separating comma
        if self.messages and self.size + size > MAX_PAYLOAD_BYTES:
            return False
        self.messages.append(message)
        self.encoded.append(record_json)
        self.size += size
        return True

    def payload(self) -> bytes:
        """The invocation payload ``{"Records":[...]}``, byte for byte what encoding the
        records in one go gives."""
        return b'{"Records":[' + b",".join(self.encoded) + b"]}"


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchRules:
    """How a queue mapping gathers batches."""

    batch_size: int
    window_seconds: int
    visibility_timeout: int | None  # per-receive override (§4.1.5), None = queue default
    source_arn: str
    region: str

    @classmethod
    def for_mapping(
        cls,
        *,
        batch_size: int,
        window_seconds: int,
        function_timeout: int,
        queue_visibility_timeout: int,
        source_arn: str,
        region: str,
    ) -> BatchRules:
        """Rules with §4.1.5's effective visibility timeout when a window is set."""
        visibility: int | None = None
        if window_seconds and window_seconds + function_timeout > queue_visibility_timeout:
            visibility = window_seconds + function_timeout + VISIBILITY_MARGIN_SECONDS
        return cls(
            batch_size=batch_size,
            window_seconds=window_seconds,
            visibility_timeout=visibility,
            source_arn=source_arn,
            region=region,
        )


RecordFilter = Callable[[Mapping[str, Any]], bool]


async def gather_batch(
    source: QueueSource,
    rules: BatchRules,
    clock: Clock,
    *,
    matches: RecordFilter | None,
    carried: list[QueueMessage],
) -> QueueBatch:
    """Receive until BatchSize, the window, or the 6 MB cap decides the batch goes (§2.1).

    With no window a single receive decides (§2.2: "as quickly as possible"). ``carried``
    are messages a previous batch received over the 6 MB cap; they come first.
    """
    batch = QueueBatch()
    await _take_filtered(batch, carried, rules, matches)
    deadline = clock.monotonic() + rules.window_seconds
    try:
        while len(batch.messages) < rules.batch_size and not batch.overflow:
            wait = max(0.0, deadline - clock.monotonic()) if rules.window_seconds else 0.0
            received = await source.receive(
                rules.batch_size - len(batch.messages),
                wait_seconds=wait,
                visibility_timeout=rules.visibility_timeout,
            )
            batch.polled += len(received)
            await _take_filtered(batch, received, rules, matches)
            if not received or wait <= 0:
                break
    except asyncio.CancelledError:
        # A forced stop in the window: what was gathered goes back to the queue at once.
        await return_now(source, [*batch.messages, *batch.filtered, *batch.overflow])
        raise
    return batch


async def _take_filtered(
    batch: QueueBatch,
    messages: list[QueueMessage],
    rules: BatchRules,
    matches: RecordFilter | None,
) -> None:
    """:func:`_take`, on a worker thread when filtering large bodies would hold the loop."""
    size = sum(len(message.body) for message in messages) if matches is not None else 0
    await filter_off_loop(partial(_take, batch, messages, rules, matches), size)


async def return_now(source: QueueSource, messages: Sequence[QueueMessage]) -> None:
    """Make received, unsettled messages visible again at once (visibility 0).

    Runs to the end even if the caller is cancelled meanwhile (it is a stop's cleanup). A
    failure is logged: the messages then come back when their visibility timeout ends.
    """
    if not messages:
        return
    try:
        await asyncio.shield(source.change_visibility(messages, 0))
    except Exception as exc:
        log.warning("%s: could not return %d messages: %s", source.arn, len(messages), exc)


def _take(
    batch: QueueBatch,
    messages: list[QueueMessage],
    rules: BatchRules,
    matches: RecordFilter | None,
) -> None:
    for message in messages:
        if batch.overflow:
            batch.overflow.append(message)
            continue
        record = sqs_record(message, rules.source_arn, rules.region)
        if matches is not None and not matches(record):
            batch.filtered.append(message)
        elif not batch.add(message, _encode(record)):
            batch.overflow.append(message)
