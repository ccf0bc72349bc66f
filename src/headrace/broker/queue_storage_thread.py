"""A synchronous queue core behind the async :class:`~headrace.broker.storage_seam.QueueStorage`.

:class:`ThreadedQueueStorage` runs each call of a :class:`QueueCore` through ``call`` (the
broker thread for SQLite: one hop, as before the seam; inline for the in-memory core) and
takes its wake-ups from a :class:`~headrace.broker.wake.Waker`, both held by
:class:`~headrace.broker.core_calls.CoreCalls`. The hot path
(:meth:`ThreadedQueueStorage.exchange`) hands back the thread's own future.
"""

from __future__ import annotations

from collections.abc import Awaitable, Collection, Mapping, Sequence
from typing import Protocol

from headrace.broker.core_calls import CoreCalls
from headrace.broker.queue_catalog import Queue
from headrace.broker.queue_results import (
    BatchResult,
    BrokerStatistics,
    PeekedMessage,
    SendBatchSuccess,
    SendEntry,
    SendResult,
)
from headrace.broker.receiving import Exchange
from headrace.broker.storage_seam import QueueExchange, Receivability
from headrace.config.model import QueueConfig
from headrace.events import MessageAttributeValue, QueueMessage
from headrace.statistics import QueueDepth


class QueueCore(Protocol):
    """The synchronous operations a queue backend's core provides (see ``QueueBroker``)."""

    def queue(self, queue: str) -> Queue: ...
    def create_queue(
        self, name: str, config: QueueConfig, *, given: Collection[str] | None = None
    ) -> Queue: ...
    def set_queue_attributes(self, queue: str, config: QueueConfig) -> Queue: ...
    def delete_queue(self, queue: str) -> None: ...
    @property
    def queue_names(self) -> list[str]: ...
    def get_queue_attributes(self, queue: str) -> dict[str, str]: ...
    def send_message(
        self,
        queue: str,
        body: str,
        *,
        delay_seconds: int | None = None,
        message_attributes: Mapping[str, MessageAttributeValue] | None = None,
        message_group_id: str | None = None,
        message_deduplication_id: str | None = None,
    ) -> SendResult: ...
    def send_message_batch(
        self, queue: str, entries: Sequence[SendEntry]
    ) -> BatchResult[SendBatchSuccess]: ...
    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> list[QueueMessage]: ...
    def delete_and_receive(
        self,
        queue: str,
        deletes: Sequence[Sequence[str]],
        receives: Sequence[int],
        *,
        visibility_timeout: int | None = None,
    ) -> Exchange: ...
    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> list[bool]: ...
    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> list[bool]: ...
    def purge_queue(self, queue: str) -> int: ...
    def queue_depth(self, queue: str) -> QueueDepth: ...
    def peek_messages(self, queue: str, limit: int) -> list[PeekedMessage]: ...
    def move_messages(self, source: str, target: str, limit: int | None = None) -> int: ...
    def has_receivable(self, queue: str) -> bool: ...
    def next_visible_at(self, queue: str) -> float | None: ...
    def statistics(self) -> BrokerStatistics: ...
    def close(self) -> None: ...


class ThreadedQueueStorage(CoreCalls[QueueCore]):
    """A :class:`QueueCore` as a :class:`~headrace.broker.storage_seam.QueueStorage`.

    ``owns`` closes the core (through ``call``) on :meth:`aclose`; the embedded broker
    closes its own core and passes False.
    """

    # -- queues ---------------------------------------------------------------------

    def create_queue(
        self, name: str, config: QueueConfig, *, given: Collection[str] | None = None
    ) -> Awaitable[Queue]:
        return self._call(self.core.create_queue, name, config, given=given)

    def set_queue_attributes(self, queue: str, config: QueueConfig) -> Awaitable[Queue]:
        return self._call(self.core.set_queue_attributes, queue, config)

    def get_queue(self, queue: str) -> Awaitable[Queue]:
        return self._call(self.core.queue, queue)

    def list_queues(self) -> Awaitable[list[str]]:
        return self._call(_names, self.core)

    def delete_queue(self, queue: str) -> Awaitable[None]:
        return self._call(self.core.delete_queue, queue)

    def get_queue_attributes(self, queue: str) -> Awaitable[dict[str, str]]:
        return self._call(self.core.get_queue_attributes, queue)

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
        return self._call(
            self.core.send_message,
            queue,
            body,
            delay_seconds=delay_seconds,
            message_attributes=message_attributes,
            message_group_id=message_group_id,
            message_deduplication_id=message_deduplication_id,
        )

    def send_message_batch(
        self, queue: str, entries: Sequence[SendEntry]
    ) -> Awaitable[BatchResult[SendBatchSuccess]]:
        return self._call(self.core.send_message_batch, queue, entries)

    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> Awaitable[list[QueueMessage]]:
        return self._call(
            self.core.receive_messages, queue, max_messages, visibility_timeout=visibility_timeout
        )

    def exchange(
        self,
        queue: str,
        deletes: Sequence[Sequence[str]],
        receives: Sequence[int],
        *,
        visibility_timeout: int | None = None,
    ) -> Awaitable[QueueExchange]:
        return self._call(_exchange, self.core, queue, deletes, receives, visibility_timeout)

    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> Awaitable[list[bool]]:
        return self._call(self.core.delete_messages, queue, receipt_handles)

    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> Awaitable[list[bool]]:
        return self._call(self.core.change_visibility, queue, receipt_handles, visibility_timeout)

    def purge_queue(self, queue: str) -> Awaitable[int]:
        return self._call(self.core.purge_queue, queue)

    def queue_depth(self, queue: str) -> Awaitable[QueueDepth]:
        return self._call(self.core.queue_depth, queue)

    def peek_messages(self, queue: str, limit: int) -> Awaitable[list[PeekedMessage]]:
        return self._call(self.core.peek_messages, queue, limit)

    def move_messages(self, source: str, target: str, limit: int | None = None) -> Awaitable[int]:
        return self._call(self.core.move_messages, source, target, limit)

    # -- waiting --------------------------------------------------------------------

    def receivable(self, queue: str) -> Awaitable[Receivability]:
        return self._call(_receivable, self.core, queue)

    # -- lifecycle ------------------------------------------------------------------

    def statistics(self) -> BrokerStatistics:
        return self.core.statistics()


def _names(core: QueueCore) -> list[str]:
    return core.queue_names


def _exchange(
    core: QueueCore,
    queue: str,
    deletes: Sequence[Sequence[str]],
    receives: Sequence[int],
    visibility_timeout: int | None,
) -> QueueExchange:
    """One core call: the deletes and receives, and when nothing came, when the next
    message becomes visible (so an empty poll costs one hop, not two)."""
    done = core.delete_and_receive(queue, deletes, receives, visibility_timeout=visibility_timeout)
    empty = any(not messages for messages in done.received)
    return QueueExchange(
        done.deleted, done.received, core.next_visible_at(queue) if empty else None
    )


def _receivable(core: QueueCore, queue: str) -> Receivability:
    if core.has_receivable(queue):
        return Receivability(True)
    return Receivability(False, core.next_visible_at(queue))
