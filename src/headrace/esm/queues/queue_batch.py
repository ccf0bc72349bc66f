"""Gathering one queue batch: BatchSize, the batching window and the 6 MB cap (§2.1-2.5)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from headrace.clock import Clock
from headrace.esm.filters.off_loop import filter_off_loop
from headrace.esm.queues.queue_reader import QueueReader, return_now
from headrace.events import QueueMessage

# §2.1 / §9.8: the synchronous invocation payload quota, which cannot be raised.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# Bytes of `{"Records":[` and `]}` around the records (the stream engine's envelope).
ENVELOPE_BYTES = len(b'{"Records":[]}')
# §4.1.5: extra visibility AWS adds when window + timeout exceed the queue's timeout.
VISIBILITY_MARGIN_SECONDS = 30


class QueueRecordShape(Protocol):
    """A queue kind's event records and the envelope around them (§3.1).

    The kind owns both (for SQS, ``{"Records":[...]}`` of §3.1 records); the engine only
    gathers, filters, sizes and joins.
    """

    @property
    def envelope_bytes(self) -> int:
        """Bytes the envelope adds around the comma-joined records."""
        ...

    def record(self, message: QueueMessage) -> Mapping[str, Any]:
        """The event record of one message, as filters and the function see it."""
        ...

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """The record's JSON, encoded once."""
        ...

    def envelope(self, encoded: Sequence[bytes]) -> bytes:
        """The invocation payload holding the encoded records."""
        ...


@dataclass(slots=True)
class QueueBatch:
    """Messages gathered for one invocation, with their records and what was filtered out.

    ``encoded`` holds each record's JSON, encoded once: it gives the record's size against
    the 6 MB cap and, joined in the kind's envelope, the invocation payload (:meth:`payload`).
    """

    shape: QueueRecordShape
    messages: list[QueueMessage] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    filtered: list[QueueMessage] = field(default_factory=list)
    # Received but over the 6 MB cap: they open the lane's next batch.
    overflow: list[QueueMessage] = field(default_factory=list)
    polled: int = 0
    size: int = 0

    def __post_init__(self) -> None:
        self.size = self.shape.envelope_bytes

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
        """The invocation payload (``{"Records":[...]}`` for SQS), byte for byte what
        encoding the records in one go gives."""
        return self.shape.envelope(self.encoded)


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchRules:
    """How a queue mapping gathers batches."""

    batch_size: int
    window_seconds: int
    visibility_timeout: int | None  # per-receive override (§4.1.5), None = queue default
    source_arn: str
    shape: QueueRecordShape  # the source kind's records and envelope

    @classmethod
    def for_mapping(
        cls,
        *,
        batch_size: int,
        window_seconds: int,
        function_timeout: int,
        queue_visibility_timeout: int | None,
        source_arn: str,
        shape: QueueRecordShape,
    ) -> BatchRules:
        """Rules with §4.1.5's effective visibility timeout when a window is set (a source
        without visibility timeouts, ``queue_visibility_timeout`` None, has none to set)."""
        visibility: int | None = None
        if (
            queue_visibility_timeout is not None
            and window_seconds
            and window_seconds + function_timeout > queue_visibility_timeout
        ):
            visibility = window_seconds + function_timeout + VISIBILITY_MARGIN_SECONDS
        return cls(
            batch_size=batch_size,
            window_seconds=window_seconds,
            visibility_timeout=visibility,
            source_arn=source_arn,
            shape=shape,
        )


RecordFilter = Callable[[Mapping[str, Any]], bool]


async def gather_batch(
    reader: QueueReader,
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
    batch = QueueBatch(rules.shape)
    await _take_filtered(batch, carried, rules, matches)
    deadline = clock.monotonic() + rules.window_seconds
    try:
        while len(batch.messages) < rules.batch_size and not batch.overflow:
            wait = max(0.0, deadline - clock.monotonic()) if rules.window_seconds else 0.0
            received = await reader.receive(
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
        await return_now(reader, [*batch.messages, *batch.filtered, *batch.overflow])
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


def _take(
    batch: QueueBatch,
    messages: list[QueueMessage],
    rules: BatchRules,
    matches: RecordFilter | None,
) -> None:
    record_of, encode = rules.shape.record, rules.shape.encode  # looked up once per batch
    for message in messages:
        if batch.overflow:
            batch.overflow.append(message)
            continue
        record = record_of(message)
        if matches is not None and not matches(record):
            batch.filtered.append(message)
        elif not batch.add(message, encode(record)):
            batch.overflow.append(message)
