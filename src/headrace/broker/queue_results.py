"""What the queue broker's operations take and return: frozen, named, never tuples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from headrace.events import MessageAttributeValue

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SendResult:
    """What SendMessage returns. ``sequence_number`` is set on FIFO queues only.

    A FIFO send deduplicated within the 5-minute window returns the original message's id
    and sequence number and enqueues nothing (``duplicate`` is then True).
    """

    message_id: str
    md5_of_body: str
    md5_of_message_attributes: str | None = None
    sequence_number: str | None = None
    duplicate: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class SendEntry:
    """One entry of a SendMessageBatch request (``id`` is the caller's batch entry Id)."""

    id: str
    body: str
    delay_seconds: int | None = None
    message_attributes: Mapping[str, MessageAttributeValue] | None = None
    message_group_id: str | None = None
    message_deduplication_id: str | None = None


@dataclass(frozen=True, slots=True)
class SendBatchSuccess:
    """A successful entry of SendMessageBatch: the entry's Id and its send result."""

    id: str
    result: SendResult


@dataclass(frozen=True, slots=True)
class DeleteEntry:
    """One entry of a DeleteMessageBatch request."""

    id: str
    receipt_handle: str


@dataclass(frozen=True, slots=True)
class VisibilityEntry:
    """One entry of a ChangeMessageVisibilityBatch request."""

    id: str
    receipt_handle: str
    visibility_timeout: int


@dataclass(frozen=True, slots=True)
class BatchFailure:
    """A failed batch entry, as SQS reports it in ``Failed``."""

    id: str
    code: str
    message: str
    sender_fault: bool = True


@dataclass(frozen=True, slots=True)
class BatchResult(Generic[T]):
    """A batch response: ``successful`` entries (ids, or send results) and ``failed`` ones."""

    successful: tuple[T, ...] = ()
    failed: tuple[BatchFailure, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class PeekedMessage:
    """A message read without receiving it (``headrace dlq``): nothing about it changes."""

    message_id: str
    body: str
    sent_timestamp: int  # epoch milliseconds
    receive_count: int
    in_flight: bool
    message_group_id: str | None = None
    message_attributes: Mapping[str, MessageAttributeValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BrokerStatistics:
    """Counters of one :class:`~headrace.broker.queue_broker.QueueBroker` since it was opened."""

    sent: int
    duplicates: int
    received: int
    deleted: int
    moved_to_dead_letter: int
    expired: int


@dataclass(slots=True)
class QueueCounters:
    """The running counts behind :class:`BrokerStatistics` (one per queue backend core)."""

    sent: int = 0
    duplicates: int = 0
    received: int = 0
    deleted: int = 0
    moved_to_dead_letter: int = 0
    expired: int = 0

    def snapshot(self) -> BrokerStatistics:
        return BrokerStatistics(
            self.sent,
            self.duplicates,
            self.received,
            self.deleted,
            self.moved_to_dead_letter,
            self.expired,
        )
