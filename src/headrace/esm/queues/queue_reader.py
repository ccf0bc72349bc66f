"""How a queue mapping reads its source: the core, plus the capabilities it declares,
looked up once when the mapping is built (never per message).

Any :class:`~headrace.sources.source_seam.SourceCore` can feed a queue mapping. What a
source lacks, the reader replaces with what the core can do:

* no :class:`Visibility`: receives set no visibility timeout, a failed message is
  settled as failed (the source decides when it comes back), and a stop hands unprocessed
  messages back the same way instead of making them visible at once;
* no :class:`ReadyWait`: an idle lane pauses :data:`POLL_PAUSE_SECONDS` between polls;
* no :class:`GroupOrder`: no message groups to keep in order;
* no :class:`ConcurrentSettle`: a batch is settled before its lane receives again;
* no :class:`QueueDepthReport`: the reader's calls are counted by a
  :class:`~headrace.esm.queues.quiet_watch.QuietWatch`, the drain check's only evidence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from headrace.clock import Clock
from headrace.esm.queues.quiet_watch import QuietWatch
from headrace.events import QueueMessage
from headrace.sources.source_seam import (
    ConcurrentSettle,
    GroupOrder,
    QueueDepthReport,
    ReadyWait,
    Settlement,
    SourceCore,
    Visibility,
)

# How long an idle lane pauses between polls of a source that cannot wait for work.
POLL_PAUSE_SECONDS = 1.0

log = logging.getLogger("headrace.esm")


class Receive(Protocol):
    """A receive with §4.1.5's visibility timeout (ignored by sources without one)."""

    def __call__(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> Awaitable[list[QueueMessage]]: ...


@dataclass(frozen=True, slots=True)
class QueueReader:
    """The calls a queue mapping makes, bound once from its source's capabilities."""

    arn: str
    receive: Receive
    settle: Callable[[Settlement], Coroutine[Any, Any, int]]
    # Wait until a receive may find work (True) or the timeout runs out (False).
    wait_ready: Callable[[float], Awaitable[bool]]
    # Hand received, unprocessed messages back at once (a stop, an overflow at shutdown).
    give_back: Callable[[Sequence[QueueMessage]], Awaitable[None]]
    visibility_timeout: int | None  # the queue's default; None: the source has none
    settle_failures: bool  # tell the source about failures (it has no visibility timeout)
    fifo: bool
    concurrent_settles: bool
    # What the mapping saw of a source without depth (the drain check); None: it has depth.
    quiet: QuietWatch | None = None


def read_queue(source: SourceCore, clock: Clock) -> QueueReader:
    """The reader of ``source``: its capabilities, checked here once."""
    if isinstance(source, Visibility):
        receive: Receive = source.receive
        give_back = _visible_now(source)
        visibility: int | None = source.visibility_timeout
    else:
        receive = _CoreReceive(source)
        give_back = _settled_failed(source)
        visibility = None
    settle: Callable[[Settlement], Coroutine[Any, Any, int]] = source.settle
    quiet = None
    if not isinstance(source, QueueDepthReport):
        quiet = QuietWatch()
        receive, settle = _WatchedReceive(receive, quiet), quiet.settling(settle)
        give_back = quiet.giving_back(give_back)
    return QueueReader(
        arn=source.arn,
        receive=receive,
        settle=settle,
        wait_ready=source.wait_visible if isinstance(source, ReadyWait) else _pause(clock),
        give_back=give_back,
        visibility_timeout=visibility,
        settle_failures=visibility is None,
        fifo=isinstance(source, GroupOrder) and source.fifo,
        concurrent_settles=isinstance(source, ConcurrentSettle) and source.concurrent_settles,
        quiet=quiet,
    )


@dataclass(frozen=True, slots=True)
class _CoreReceive:
    """:class:`Receive` over the core's ``receive_batch`` (no visibility timeout to set)."""

    source: SourceCore

    def __call__(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> Awaitable[list[QueueMessage]]:
        return self.source.receive_batch(max_messages, wait_seconds=wait_seconds)


@dataclass(frozen=True, slots=True)
class _WatchedReceive:
    """:class:`Receive`, counted by the drain check's :class:`QuietWatch`."""

    receive: Receive
    quiet: QuietWatch

    def __call__(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> Awaitable[list[QueueMessage]]:
        call = self.receive(
            max_messages, wait_seconds=wait_seconds, visibility_timeout=visibility_timeout
        )
        return self.quiet.receive(call)


def _pause(clock: Clock) -> Callable[[float], Awaitable[bool]]:
    async def pause(timeout: float) -> bool:
        """Nothing to wait on: pause, then let the lane poll (True: a poll may find work)."""
        await clock.sleep(min(timeout, POLL_PAUSE_SECONDS))
        return True

    return pause


def _visible_now(source: Visibility) -> Callable[[Sequence[QueueMessage]], Awaitable[None]]:
    async def give_back(messages: Sequence[QueueMessage]) -> None:
        await source.change_visibility(messages, 0)

    return give_back


def _settled_failed(source: SourceCore) -> Callable[[Sequence[QueueMessage]], Awaitable[None]]:
    async def give_back(messages: Sequence[QueueMessage]) -> None:
        await source.settle(Settlement(succeeded=(), failed=messages))

    return give_back


async def return_now(reader: QueueReader, messages: Sequence[QueueMessage]) -> None:
    """Hand received, unsettled messages back to the source at once.

    Runs to the end even if the caller is cancelled meanwhile (it is a stop's cleanup). A
    failure is logged: the messages then come back by the source's own rule (for SQS,
    when their visibility timeout ends).
    """
    if not messages:
        return
    try:
        await asyncio.shield(reader.give_back(messages))
    except Exception as exc:
        log.warning("%s: could not return %d messages: %s", reader.arn, len(messages), exc)
