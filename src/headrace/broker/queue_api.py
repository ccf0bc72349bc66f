"""SQS's own API shapes over the queue broker's core: caps, batches and SQS's errors.

:class:`SqsApi` is the base of :class:`~headrace.broker.queue_broker.QueueBroker`. Its methods
check what SQS checks (at most 10 messages per receive, batch entry rules, malformed
receipt handles) and report failures as SQS does, then call the core methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from headrace.broker.names import BATCH_ENTRY_ID_MESSAGE, is_valid_batch_entry_id
from headrace.broker.queue_results import (
    BatchFailure,
    BatchResult,
    DeleteEntry,
    SendBatchSuccess,
    SendEntry,
    SendResult,
    VisibilityEntry,
)
from headrace.broker.queue_validation import Outgoing, prepare
from headrace.broker.sql import parse_handle
from headrace.errors import (
    AwsError,
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    InvalidParameterValue,
    ReceiptHandleIsInvalid,
    TooManyEntriesInBatchRequest,
)
from headrace.events import MessageAttributeValue, QueueMessage
from headrace.statistics import QueueDepth

if TYPE_CHECKING:
    from headrace.broker.queue_catalog import Queue

# SQS: at most 10 entries per batch request and 10 messages per ReceiveMessage.
MAX_BATCH_ENTRIES = 10
MAX_RECEIVE_MESSAGES = 10
# SQS: a batch request's messages (bodies + attributes) may total at most 256 KiB.
MAX_BATCH_BYTES = 262_144
# SQS's visibility timeout range, seconds (0 to 12 hours).
MAX_VISIBILITY_TIMEOUT = 43_200

E = TypeVar("E", SendEntry, DeleteEntry, VisibilityEntry)


def check_visibility_timeout(seconds: int) -> None:
    """Raise InvalidParameterValue unless ``seconds`` is within SQS's 0..43200."""
    if not 0 <= seconds <= MAX_VISIBILITY_TIMEOUT:
        raise InvalidParameterValue(
            f"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Must be "
            f">= 0 and <= {MAX_VISIBILITY_TIMEOUT}, if provided."
        )


class SqsApi(ABC):
    """SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility(Batch),
    GetQueueAttributes."""

    @abstractmethod
    def queue(self, queue: str) -> Queue: ...

    @abstractmethod
    def _send_prepared(self, queue: Queue, messages: Sequence[Outgoing]) -> list[SendResult]: ...

    @abstractmethod
    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> list[QueueMessage]: ...

    @abstractmethod
    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> list[bool]: ...

    @abstractmethod
    def queue_depth(self, queue: str) -> QueueDepth: ...

    @abstractmethod
    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> list[bool]: ...

    def send_message(
        self,
        queue: str,
        body: str,
        *,
        delay_seconds: int | None = None,
        message_attributes: Mapping[str, MessageAttributeValue] | None = None,
        message_group_id: str | None = None,
        message_deduplication_id: str | None = None,
    ) -> SendResult:
        """Send one message (SendMessage). Raises SQS's error for an invalid message.

        On a FIFO queue a deduplication id seen within 5 minutes returns the original
        message's id and enqueues nothing.
        """
        q = self.queue(queue)
        message = prepare(
            q.config,
            body,
            delay_seconds=delay_seconds,
            message_attributes=message_attributes,
            message_group_id=message_group_id,
            message_deduplication_id=message_deduplication_id,
        )
        return self._send_prepared(q, [message])[0]

    def send_message_batch(
        self, queue: str, entries: Sequence[SendEntry]
    ) -> BatchResult[SendBatchSuccess]:
        """Send up to 10 messages in one transaction (SendMessageBatch).

        Request-level problems raise (empty, too many, bad or repeated ids, over 256 KiB in
        all); an invalid entry is reported in ``failed`` and the others are still sent.
        """
        q = self.queue(queue)
        _check_entries(entries, "SendMessageBatchRequestEntry")
        total = sum(_entry_size(e) for e in entries)
        if total > MAX_BATCH_BYTES:
            raise BatchRequestTooLong(
                f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. "
                f"You have sent {total} bytes."
            )
        prepared: list[tuple[str, Outgoing]] = []
        failed: list[BatchFailure] = []
        for entry in entries:
            try:
                prepared.append((entry.id, _prepare_entry(q, entry)))
            except AwsError as exc:
                failed.append(BatchFailure(entry.id, exc.code, exc.message))
        results = self._send_prepared(q, [m for _, m in prepared]) if prepared else []
        successful = tuple(
            SendBatchSuccess(i, r) for (i, _), r in zip(prepared, results, strict=True)
        )
        return BatchResult(successful, tuple(failed))

    def receive_message(
        self, queue: str, max_number_of_messages: int = 1, *, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """ReceiveMessage without waiting: 1..10 messages, SQS's errors otherwise."""
        if not 1 <= max_number_of_messages <= MAX_RECEIVE_MESSAGES:
            raise InvalidParameterValue(
                f"Value {max_number_of_messages} for parameter MaxNumberOfMessages is invalid. "
                f"Reason: Must be between 1 and {MAX_RECEIVE_MESSAGES}, if provided."
            )
        return self.receive_messages(
            queue, max_number_of_messages, visibility_timeout=visibility_timeout
        )

    def delete_message(self, queue: str, receipt_handle: str) -> None:
        """DeleteMessage: ReceiptHandleIsInvalid for a malformed handle; a stale one is a no-op."""
        _check_handle(receipt_handle)
        self.delete_messages(queue, [receipt_handle])

    def delete_message_batch(self, queue: str, entries: Sequence[DeleteEntry]) -> BatchResult[str]:
        """DeleteMessageBatch: ids of the entries that succeeded; malformed handles fail."""
        self.queue(queue)
        _check_entries(entries, "DeleteMessageBatchRequestEntry")
        return _per_entry(
            entries, lambda good: self.delete_messages(queue, [e.receipt_handle for e in good])
        )

    def change_message_visibility(
        self, queue: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        """ChangeMessageVisibility; InvalidParameterValue if the message is not in flight."""
        _check_handle(receipt_handle)
        check_visibility_timeout(visibility_timeout)
        if not self.change_visibility(queue, [receipt_handle], visibility_timeout)[0]:
            raise InvalidParameterValue(_not_in_flight(receipt_handle))

    def change_message_visibility_batch(
        self, queue: str, entries: Sequence[VisibilityEntry]
    ) -> BatchResult[str]:
        """ChangeMessageVisibilityBatch: each entry succeeds or fails on its own."""
        self.queue(queue)
        _check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")

        def change(good: list[VisibilityEntry]) -> list[bool]:
            return [
                self.change_visibility(queue, [e.receipt_handle], e.visibility_timeout)[0]
                for e in good
            ]

        return _per_entry(entries, change, not_done=_not_in_flight)

    def get_queue_attributes(self, queue: str) -> dict[str, str]:
        """The queue's attributes with SQS's names, every value a string (GetQueueAttributes)."""
        q = self.queue(queue)
        depth = self.queue_depth(queue)
        config = q.config
        attributes = {
            "QueueArn": q.arn,
            "ApproximateNumberOfMessages": str(depth.visible),
            "ApproximateNumberOfMessagesNotVisible": str(depth.in_flight),
            "ApproximateNumberOfMessagesDelayed": str(depth.delayed),
            "CreatedTimestamp": str(q.created_at),
            "LastModifiedTimestamp": str(q.created_at),
            "VisibilityTimeout": str(config.visibility_timeout),
            "MaximumMessageSize": str(config.maximum_message_size),
            "MessageRetentionPeriod": str(config.message_retention_period),
            "DelaySeconds": str(config.delay_seconds),
            "ReceiveMessageWaitTimeSeconds": str(config.receive_message_wait_time_seconds),
        }
        policy = q.redrive_policy_json()
        if policy is not None:
            attributes["RedrivePolicy"] = policy
        if q.fifo:
            attributes["FifoQueue"] = "true"
            attributes["ContentBasedDeduplication"] = str(
                config.content_based_deduplication
            ).lower()
        return attributes


def _check_entries(entries: Sequence[E], entry_type: str) -> None:
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_type} in the request.")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. "
            f"You have sent {len(entries)}."
        )
    seen: set[str] = set()
    for entry in entries:
        if not is_valid_batch_entry_id(entry.id):
            raise InvalidBatchEntryId(BATCH_ENTRY_ID_MESSAGE)
        if entry.id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry.id} repeated.")
        seen.add(entry.id)


def _per_entry(
    entries: Sequence[E],
    apply: Callable[[list[E]], list[bool]],
    not_done: Callable[[str], str] | None = None,
) -> BatchResult[str]:
    """Run ``apply`` on the entries with well-formed handles; fail the malformed ones."""
    failed: list[BatchFailure] = []
    good: list[E] = []
    for entry in entries:
        handle = getattr(entry, "receipt_handle", "")
        try:
            _check_handle(handle)
            if isinstance(entry, VisibilityEntry):
                check_visibility_timeout(entry.visibility_timeout)
        except AwsError as exc:
            failed.append(BatchFailure(entry.id, exc.code, exc.message))
            continue
        good.append(entry)
    done = apply(good) if good else []
    successful = []
    for entry, ok in zip(good, done, strict=True):
        if ok or not_done is None:
            successful.append(entry.id)
        else:
            handle = getattr(entry, "receipt_handle", "")
            failed.append(BatchFailure(entry.id, InvalidParameterValue.code, not_done(handle)))
    return BatchResult(tuple(successful), tuple(failed))


def _prepare_entry(q: Queue, entry: SendEntry) -> Outgoing:
    return prepare(
        q.config,
        entry.body,
        delay_seconds=entry.delay_seconds,
        message_attributes=entry.message_attributes,
        message_group_id=entry.message_group_id,
        message_deduplication_id=entry.message_deduplication_id,
    )


def _entry_size(entry: SendEntry) -> int:
    size = len((entry.body or "").encode("utf-8"))
    for name, value in (entry.message_attributes or {}).items():
        size += len(name.encode("utf-8")) + len(value.data_type.encode("utf-8"))
        size += len(value.binary_value or b"") + len((value.string_value or "").encode("utf-8"))
    return size


def _check_handle(receipt_handle: str) -> None:
    if parse_handle(receipt_handle) is None:
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{receipt_handle}" is not a valid receipt handle.'
        )


def _not_in_flight(receipt_handle: str) -> str:
    return (
        f"Value {receipt_handle} for parameter ReceiptHandle is invalid. Reason: Message does "
        "not exist or is not available for visibility timeout change."
    )
