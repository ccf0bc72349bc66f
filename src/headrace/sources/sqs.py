"""A real SQS queue (AWS, moto, or any compatible endpoint) as a :class:`QueueSource`.

How it polls (docs/aws.md has the whole story):

- **Waiting is a long poll.** :meth:`SqsQueueSource.wait_visible` is a ``ReceiveMessage``
  with ``WaitTimeSeconds`` 20; SQS cannot be peeked, so what that poll receives is *held*
  by the source for the next :meth:`~SqsQueueSource.receive` of any lane, and its
  visibility is extended while held. Waiting therefore costs no extra receive count, and a
  message never waits for a worker while its visibility runs out. Every lane waits with its
  own long poll, so a mapping polls with as many concurrent pollers as it has lanes (§2.12,
  §5.6).
- **Receives** take held messages first, else call ``ReceiveMessage`` (up to 10, §2.1;
  ``gather_batch`` gathers to BatchSize within the window). On FIFO queues a message
  group is never split between two lanes, and SQS itself hands out no message of a group
  while an earlier one is in flight, so group order holds across pollers (§4.1.7).
- **Deletes** use ``DeleteMessageBatch``; entries that fail through SQS's fault are retried.
- **Visibility heartbeat**: :class:`~headrace.aws.visibility.VisibilityKeeper`.
- **Errors**: transient failures are retried with jittered backoff
  (:mod:`headrace.aws.aws_retry`); what remains is raised from ``receive`` as
  :class:`~headrace.errors.SourceUnavailable` with AWS's message, which the lane shows as
  ``LastProcessingResult`` while it backs off; polling recovers once the cause is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from headrace.aws.aws_errors import FailureKind
from headrace.aws.aws_retry import Retrier
from headrace.aws.clients import LONG_POLL_SECONDS, AwsSettings, create_client, region_of
from headrace.aws.sqs_api import MAX_BATCH_ENTRIES, SqsQueueApi
from headrace.aws.visibility import VisibilityKeeper
from headrace.clock import Clock
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.errors import InvalidParameterValueException, SourceUnavailable
from headrace.events import QueueMessage
from headrace.owned_tasks import OwnedTasks
from headrace.sources.kinds.sqs_family import QUEUE_NOT_FOUND
from headrace.sources.queue_core import SqsCore
from headrace.statistics import QueueDepth

log = logging.getLogger("headrace.aws")

# Time a worker may need to start (process spawn, handler import) on top of the function's
# Timeout: a handed-out batch is kept invisible at most window + Timeout + this.
COLD_START_ALLOWANCE_SECONDS = 5
# Connections a source may open at once: one long poll per lane plus deletes and the
# heartbeat, so twice the lanes and two more; bounded so a huge cap does not open thousands.
CONNECTIONS_PER_LANE = 2
MAX_CONNECTIONS = 256


@dataclass(frozen=True, kw_only=True, slots=True)
class SqsPolling:
    """What the source needs to know of the mapping that reads it."""

    batch_size: int
    window_seconds: int  # MaximumBatchingWindowInSeconds
    function_timeout: int  # seconds

    @property
    def batch_seconds(self) -> int:
        """The longest a batch can take once handed out: extension stops after it."""
        return self.window_seconds + self.function_timeout + COLD_START_ALLOWANCE_SECONDS

    def poll_size(self, fifo: bool) -> int:
        """Messages one long poll asks for. On FIFO no more than a batch holds, so a message
        group received by one poll always fits one batch whole."""
        return min(MAX_BATCH_ENTRIES, self.batch_size) if fifo else MAX_BATCH_ENTRIES


@dataclass(slots=True)
class _Counters:
    receives: int = 0
    empty_receives: int = 0
    messages_received: int = 0
    messages_deleted: int = 0


@dataclass(frozen=True, slots=True)
class SqsQueueStatistics:
    """What one SQS source did: calls, messages, held messages, heartbeat, retries, failures."""

    receives: int
    empty_receives: int
    messages_received: int
    messages_deleted: int
    held: int
    handed_out: int
    visibility_extensions: int
    extension_failures: int
    retries: int
    failures: int


class SqsQueueSource(SqsCore):
    """One SQS queue as a :class:`~headrace.sources.source_seam.QueueSource` (see the module doc).

    Open it with :func:`open_sqs_source`, which checks the queue and starts the heartbeat.
    """

    def __init__(
        self, api: SqsQueueApi, *, visibility_timeout: int, polling: SqsPolling, clock: Clock
    ) -> None:
        self._api = api
        self._visibility_timeout = visibility_timeout
        self._polling = polling
        self._clock = clock
        self._keeper = VisibilityKeeper(api, clock, batch_seconds=polling.batch_seconds)
        self._held: deque[QueueMessage] = deque()
        self._failed: SourceUnavailable | None = None
        self._last_depth = QueueDepth(visible=0, in_flight=0, delayed=0)
        self._counts = _Counters()
        # The visibility heartbeat, cancelled and awaited by aclose().
        self._tasks = OwnedTasks()
        self._heartbeat: asyncio.Future[None] | None = None

    @property
    def arn(self) -> str:
        return self._api.arn

    @property
    def fifo(self) -> bool:
        return self._api.fifo

    @property
    def visibility_timeout(self) -> int:
        return self._visibility_timeout

    def start(self) -> None:
        """Start the visibility heartbeat (on the running loop)."""
        if self._heartbeat is None:
            self._heartbeat = self._tasks.spawn(self._keeper.run(), name=f"heartbeat:{self.arn}")

    async def wait_visible(self, timeout: float) -> bool:
        """Long-poll up to ``timeout`` (at most 20 s); keep what arrives for the next receive.

        True when messages are held (or the poll failed: the lane's receive then raises the
        failure, and the lane backs off); False when the poll ran out empty.
        """
        self._keeper.settle_owner(_current_task())
        if self._held:
            return True
        wait = int(min(LONG_POLL_SECONDS, max(0.0, timeout)))
        try:
            messages = await self._receive_call(self._polling.poll_size(self.fifo), wait, None)
        except SourceUnavailable as exc:
            self._failed = exc
            return True
        if not messages:
            return False
        self._held.extend(messages)
        self._keeper.hold(messages, self._visibility_timeout)
        return True

    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """Held messages first; else one ReceiveMessage of up to 10, waiting whole seconds.

        Raises SourceUnavailable with AWS's message when SQS cannot be read.
        """
        owner = _current_task()
        if not self._polling.window_seconds:
            # Without a window a batch is one receive: this lane's earlier batch is settled.
            self._keeper.settle_owner(owner)
        visibility = self._visibility_timeout if visibility_timeout is None else visibility_timeout
        if self._held:
            messages = self._take_held(max_messages)
            extend_now = visibility > self._visibility_timeout
            self._keeper.hand_out(messages, visibility, owner=owner, extend_now=extend_now)
            return messages
        failed, self._failed = self._failed, None
        if failed is not None:
            raise failed
        wait = int(min(LONG_POLL_SECONDS, max(0.0, wait_seconds)))
        messages = await self._receive_call(max_messages, wait, visibility_timeout)
        self._keeper.hand_out(messages, visibility, owner=owner)
        return messages

    def delete(self, messages: Sequence[QueueMessage]) -> Coroutine[Any, Any, int]:
        """DeleteMessageBatch; return how many SQS deleted. Raises SourceUnavailable (the
        messages then come back after their visibility timeout: redelivered, not lost).

        The messages stay invisible until SQS answers: the heartbeat extends them from the
        moment the delete is asked for, so a slow delete never lets a processed message be
        delivered again. Not ``async def`` on purpose: the engine starts a batch's delete and
        lets it run alongside the lane's next receive, which settles the lane's batch; the
        leases must pass to the delete before that, not when its coroutine first runs.
        """
        self._keeper.deleting(messages)
        return self._delete(messages)

    async def change_visibility(self, messages: Sequence[QueueMessage], timeout: int) -> None:
        """Set the remaining visibility of in-flight messages; a failure is logged, not raised
        (the messages then come back when their current visibility runs out)."""
        if not messages:
            return
        self._keeper.forget(messages)
        try:
            async with self._keeper.lock:
                await self._api.change_visibility([m.receipt_handle for m in messages], timeout)
        except SourceUnavailable as exc:
            log.warning("%s: could not change visibility: %s", self.arn, exc)

    async def depth(self) -> QueueDepth:
        """SQS's ApproximateNumberOf* attributes. If SQS cannot be asked, the last depth
        with at least one visible message: an unreadable queue never counts as drained."""
        try:
            self._last_depth = await self._api.depth()
        except SourceUnavailable as exc:
            log.warning("%s: could not read the queue's depth: %s", self.arn, exc)
            last = self._last_depth
            return QueueDepth(visible=max(1, last.visible), in_flight=last.in_flight, delayed=0)
        return self._last_depth

    def statistics(self) -> SqsQueueStatistics:
        c, v, r = self._counts, self._keeper.statistics(), self._api.retrier
        return SqsQueueStatistics(
            c.receives,
            c.empty_receives,
            c.messages_received,
            c.messages_deleted,
            v.held,
            v.handed_out,
            v.extensions,
            v.extension_failures,
            r.retries,
            r.failures,
        )

    async def aclose(self) -> None:
        """Stop the heartbeat and hand held messages back to the queue at once."""
        await self._tasks.aclose(cancel=True)
        held, self._held = list(self._held), deque()
        await self.change_visibility(held, 0)

    async def _receive_call(
        self, max_messages: int, wait: int, visibility_timeout: int | None
    ) -> list[QueueMessage]:
        messages = await self._api.receive(
            max_messages, wait_seconds=wait, visibility_timeout=visibility_timeout
        )
        self._counts.receives += 1
        self._counts.messages_received += len(messages)
        if not messages:
            self._counts.empty_receives += 1
        return messages

    async def _delete(self, messages: Sequence[QueueMessage]) -> int:
        if not messages:
            return 0
        try:
            deleted = await self._api.delete([m.receipt_handle for m in messages])
        finally:
            self._keeper.forget(messages)
        self._counts.messages_deleted += deleted
        return deleted

    def _take_held(self, max_messages: int) -> list[QueueMessage]:
        """Up to ``max_messages`` held messages, oldest first; FIFO takes whole groups only."""
        if not self.fifo:
            count = min(max_messages, len(self._held))
            return [self._held.popleft() for _ in range(count)]
        taken: list[QueueMessage] = []
        groups: dict[str | None, list[QueueMessage]] = {}
        for message in self._held:
            groups.setdefault(message.group_id, []).append(message)
        for members in groups.values():
            if len(taken) + len(members) > max_messages:
                break  # a group is never split between two batches
            taken.extend(members)
        chosen = {m.receipt_handle for m in taken}
        self._held = deque(m for m in self._held if m.receipt_handle not in chosen)
        return taken


@contextlib.asynccontextmanager
async def open_sqs_source(
    arn: str,
    *,
    settings: AwsSettings,
    polling: SqsPolling,
    clock: Clock,
    default_region: str,
    max_connections: int,
) -> AsyncIterator[SqsQueueSource]:
    """Connect to the queue an ARN names (a client in the ARN's region), check it, start.

    Raises as :func:`connect_sqs_source` does.
    """
    region = region_of(arn, default_region)
    async with create_client("sqs", region, settings, max_connections=max_connections) as client:
        source = await connect_sqs_source(client, arn, polling=polling, clock=clock)
        try:
            yield source
        finally:
            await source.aclose()


async def connect_sqs_source(
    client: Any, arn: str, *, polling: SqsPolling, clock: Clock
) -> SqsQueueSource:
    """A started source on ``client`` (aiobotocore SQS), checked as CreateEventSourceMapping
    checks a queue; close it with ``aclose()``.

    Raises InvalidParameterValueException with AWS's messages when the queue does not exist
    (§1.6.11), access to it is denied, or its visibility timeout is shorter than the
    function's Timeout (§1.6.10); SourceUnavailable when SQS cannot be reached after retries.
    """
    retrier = Retrier(clock, arn)
    try:
        api = await SqsQueueApi.locate(client, arn, retrier)
        attributes = await api.attributes("VisibilityTimeout")
    except SourceUnavailable as exc:
        raise _startup_error(retrier, exc) from exc
    visibility = int(attributes.get("VisibilityTimeout", "30"))
    _check_visibility_timeout(visibility, polling.function_timeout)
    source = SqsQueueSource(api, visibility_timeout=visibility, polling=polling, clock=clock)
    source.start()
    return source


def open_mapping_source(
    config: Config, mapping: EventSourceMappingConfig, *, clock: Clock
) -> AbstractAsyncContextManager[SqsQueueSource]:
    """:func:`open_sqs_source` for one mapping of a config (its window, Timeout and lanes).

    The endpoint is ``AWS_ENDPOINT_URL`` or the config's ``aws: {endpoint_url}``
    (:class:`~headrace.aws.clients.AwsSettings`).
    """
    function = config.functions[mapping.function_name]
    lanes = config.function_concurrency(mapping.function_name)
    if mapping.maximum_concurrency is not None:
        lanes = min(lanes, mapping.maximum_concurrency)
    polling = SqsPolling(
        batch_size=mapping.batch_size,
        window_seconds=mapping.maximum_batching_window_in_seconds,
        function_timeout=function.timeout,
    )
    return open_sqs_source(
        mapping.event_source_arn,
        settings=AwsSettings(endpoint_url=config.endpoint_url),
        polling=polling,
        clock=clock,
        default_region=config.region,
        max_connections=min(MAX_CONNECTIONS, CONNECTIONS_PER_LANE * lanes + 2),
    )


def _startup_error(retrier: Retrier, exc: SourceUnavailable) -> Exception:
    """The error CreateEventSourceMapping would give, or ``exc`` if AWS was not reached."""
    failure = retrier.last_failure
    if failure is None or failure.kind is FailureKind.TRANSIENT:
        return exc
    if failure.kind is FailureKind.MISSING:
        return InvalidParameterValueException(QUEUE_NOT_FOUND)
    if failure.kind is FailureKind.DENIED:
        return InvalidParameterValueException(
            f"The provided execution role does not have permissions to call "
            f"{failure.operation} on SQS ({failure.code or 'credentials'}: {failure.message})"
        )
    return InvalidParameterValueException(exc.message)


def _check_visibility_timeout(visibility: int, function_timeout: int) -> None:
    """§1.6.10: the queue's visibility timeout must not be shorter than the function's."""
    if function_timeout > visibility:
        raise InvalidParameterValueException(
            f"Queue visibility timeout: {visibility} seconds is less than "
            f"Function timeout: {function_timeout} seconds"
        )


def _current_task() -> asyncio.Task[object] | None:
    return asyncio.current_task()
