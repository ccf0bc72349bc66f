"""The queue storage seam: every queue operation headrace needs, as one async Protocol.

:class:`QueueStorage` is what the embedded queue source, the CLI and a future SQS API call;
a storage backend implements it and passes
:mod:`headrace.testing.conformance.queue_conformance`. Two backends ship:

- SQLite (:class:`~headrace.broker.queue_storage_thread.ThreadedQueueStorage` over
  :class:`~headrace.broker.queue_broker.QueueBroker`): today's broker on its broker thread,
  one thread hop per call, as before the seam;
- in memory (:class:`headrace.testing.memory_queue_storage.MemoryQueueStorage`): the same
  semantics on the injected clock, for tests.

Members return awaitables rather than being ``async def`` so a backend may hand back the
future of its own thread (no coroutine frame on the hot path). Queues are named by name or
ARN everywhere; errors are SQS's (:mod:`headrace.errors`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from headrace.broker.queue_catalog import Queue
from headrace.broker.queue_results import (
    BatchResult,
    BrokerStatistics,
    PeekedMessage,
    SendBatchSuccess,
    SendEntry,
    SendResult,
)
from headrace.config.model import QueueConfig
from headrace.events import MessageAttributeValue, QueueMessage
from headrace.statistics import QueueDepth


@dataclass(frozen=True, slots=True)
class QueueExchange:
    """What :meth:`QueueStorage.exchange` answers.

    ``deleted`` has one list per delete asked (True per handle deleted), ``received`` one
    list per receive asked. ``next_visible_at`` (epoch seconds) is filled only when a
    receive came back empty: when the next delayed or in-flight message becomes visible.
    """

    deleted: list[list[bool]]
    received: list[list[QueueMessage]]
    next_visible_at: float | None = None


@dataclass(frozen=True, slots=True)
class Receivability:
    """Whether a receive now would find a message, else when the next one becomes visible."""

    ready: bool
    next_visible_at: float | None = None


class QueueStorage(Protocol):
    """Durable queues with SQS's semantics (§4.1): visibility, FIFO groups, redrive."""

    # -- queues ---------------------------------------------------------------------

    def create_queue(
        self, name: str, config: QueueConfig, *, given: Collection[str] | None = None
    ) -> Awaitable[Queue]:
        """CreateQueue: make ``name`` (kept until deleted, where the backend is durable).

        An existing queue is returned if the CreateQueue attributes ``given`` (None: all)
        match its own; QueueNameExists otherwise.
        """
        ...

    def set_queue_attributes(self, queue: str, config: QueueConfig) -> Awaitable[Queue]:
        """SetQueueAttributes: the queue's attributes become ``config``'s."""
        ...

    def get_queue(self, queue: str) -> Awaitable[Queue]:
        """The queue a name or ARN names; QueueDoesNotExist otherwise."""
        ...

    def list_queues(self) -> Awaitable[list[str]]:
        """The declared queues' names."""
        ...

    def delete_queue(self, queue: str) -> Awaitable[None]:
        """DeleteQueue: the queue and every message in it."""
        ...

    def get_queue_attributes(self, queue: str) -> Awaitable[dict[str, str]]:
        """GetQueueAttributes: SQS's names, every value a string."""
        ...

    # -- messages -------------------------------------------------------------------

    def send_message(
        self,
        queue: str,
        body: str,
        *,
        delay_seconds: int | None = None,
        message_attributes: Mapping[str, MessageAttributeValue] | None = None,
        message_group_id: str | None = None,
        message_deduplication_id: str | None = None,
    ) -> Awaitable[SendResult]:
        """SendMessage; a FIFO deduplication id seen within 5 minutes enqueues nothing."""
        ...

    def send_message_batch(
        self, queue: str, entries: Sequence[SendEntry]
    ) -> Awaitable[BatchResult[SendBatchSuccess]]:
        """SendMessageBatch: up to 10 entries, each failing on its own."""
        ...

    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> Awaitable[list[QueueMessage]]:
        """Receive up to ``max_messages`` visible messages now (no cap, no wait)."""
        ...

    def exchange(
        self,
        queue: str,
        deletes: Sequence[Sequence[str]],
        receives: Sequence[int],
        *,
        visibility_timeout: int | None = None,
    ) -> Awaitable[QueueExchange]:
        """Several deletes then several receives as one storage call (the engine's hot path)."""
        ...

    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> Awaitable[list[bool]]:
        """Delete by receipt handle; True per message this call deleted (stale: False)."""
        ...

    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> Awaitable[list[bool]]:
        """Hide in-flight messages for ``visibility_timeout`` more seconds; True per change."""
        ...

    def purge_queue(self, queue: str) -> Awaitable[int]:
        """Delete every message, in flight or not; return how many."""
        ...

    def queue_depth(self, queue: str) -> Awaitable[QueueDepth]:
        """Visible, in-flight and delayed counts."""
        ...

    def peek_messages(self, queue: str, limit: int) -> Awaitable[list[PeekedMessage]]:
        """Up to ``limit`` messages in send order, read without receiving them."""
        ...

    def move_messages(self, source: str, target: str, limit: int | None = None) -> Awaitable[int]:
        """Redrive: move visible messages to ``target`` in send order; return how many."""
        ...

    # -- waiting --------------------------------------------------------------------

    def receivable(self, queue: str) -> Awaitable[Receivability]:
        """Whether a receive now would find (or dead-letter) a message. Changes nothing."""
        ...

    def change_version(self, queue_arn: str) -> int:
        """A counter of the changes that can make the queue's messages receivable."""
        ...

    def wait_for_change(self, queue_arn: str, version: int, timeout: float) -> Awaitable[bool]:
        """Wait for a change after ``version`` (True) or ``timeout`` seconds (False)."""
        ...

    # -- lifecycle ------------------------------------------------------------------

    def statistics(self) -> BrokerStatistics:
        """Counters since the storage was opened (this process only)."""
        ...

    async def aclose(self) -> None:
        """Release what the storage holds."""
        ...
