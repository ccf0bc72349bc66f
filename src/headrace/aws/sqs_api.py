"""One SQS queue's API calls, as headrace uses them: typed, retried and translated.

Each call goes through a :class:`~headrace.aws.aws_retry.Retrier`: transient failures are
retried with jittered backoff; anything else, and a transient failure that outlasts the
retries, is raised as :class:`~headrace.errors.SourceUnavailable` with AWS's message.
Messages come back as :class:`~headrace.events.QueueMessage` with SQS's system attributes
in the order Lambda puts them in a record (§3.1).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from headrace import arn as arnlib
from headrace.aws.aws_retry import Retrier
from headrace.events import MessageAttributeValue, QueueMessage
from headrace.statistics import QueueDepth

# SQS's limit on entries per batch call and messages per receive.
MAX_BATCH_ENTRIES = 10
# §3.1, §3.1.2: the system attributes of a record, in the order Lambda writes them; any
# other attribute SQS returns follows in SQS's order.
ATTRIBUTE_ORDER = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
)
# GetQueueAttributes names of a queue's depth (QueueDepth's three states).
DEPTH_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class SqsQueueApi:
    """The SQS calls of one queue, on an aiobotocore client the caller owns."""

    def __init__(self, client: Any, arn: str, url: str, retrier: Retrier, *, fifo: bool) -> None:
        self.client = client
        self.arn = arn
        self.url = url
        self.retrier = retrier
        self.fifo = fifo

    @classmethod
    async def locate(cls, client: Any, arn: str, retrier: Retrier) -> SqsQueueApi:
        """Find the queue an ARN names (GetQueueUrl in the ARN's account).

        Raises SourceUnavailable: for a missing queue its ``code`` is SQS's NonExistentQueue.
        """
        parsed = arnlib.parse(arn)
        if parsed is None or parsed.service != "sqs":
            raise ValueError(f"not an SQS queue ARN: {arn}")
        response = await retrier.call(
            "GetQueueUrl",
            lambda: client.get_queue_url(
                QueueName=parsed.resource, QueueOwnerAWSAccountId=parsed.account
            ),
        )
        return cls(
            client, arn, str(response["QueueUrl"]), retrier, fifo=parsed.resource.endswith(".fifo")
        )

    async def attributes(self, *names: str) -> dict[str, str]:
        """GetQueueAttributes for ``names`` (all attributes when none are given)."""
        response = await self.retrier.call(
            "GetQueueAttributes",
            lambda: self.client.get_queue_attributes(
                QueueUrl=self.url, AttributeNames=list(names) or ["All"]
            ),
        )
        return {str(k): str(v) for k, v in (response.get("Attributes") or {}).items()}

    async def depth(self) -> QueueDepth:
        """The queue's ApproximateNumberOfMessages{,NotVisible,Delayed}."""
        found = await self.attributes(*DEPTH_ATTRIBUTES)
        visible, in_flight, delayed = (int(found.get(name, "0")) for name in DEPTH_ATTRIBUTES)
        return QueueDepth(visible=visible, in_flight=in_flight, delayed=delayed)

    async def receive(
        self, max_messages: int, *, wait_seconds: int, visibility_timeout: int | None
    ) -> list[QueueMessage]:
        """One ReceiveMessage of up to ``max_messages`` (≤ 10), long-polling ``wait_seconds``.

        On FIFO queues a retried receive repeats its ReceiveRequestAttemptId, so SQS hands
        back the same messages instead of hiding them until their visibility runs out.
        """
        request: dict[str, Any] = {
            "QueueUrl": self.url,
            "MaxNumberOfMessages": max(1, min(MAX_BATCH_ENTRIES, max_messages)),
            "WaitTimeSeconds": wait_seconds,
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        if visibility_timeout is not None:
            request["VisibilityTimeout"] = visibility_timeout
        if self.fifo:
            request["ReceiveRequestAttemptId"] = uuid.uuid4().hex
        response = await self.retrier.call(
            "ReceiveMessage", lambda: self.client.receive_message(**request)
        )
        return [to_queue_message(m) for m in response.get("Messages") or ()]

    async def delete(self, handles: Sequence[str]) -> int:
        """DeleteMessageBatch in chunks of 10; return how many SQS reports deleted.

        Entries that fail through SQS's fault (SenderFault false) are retried with backoff;
        entries SQS rejects (a stale or invalid receipt handle) are not, and not counted.
        """
        deleted = 0
        for chunk in _chunks(handles):
            deleted += await self._delete_chunk(chunk)
        return deleted

    async def change_visibility(self, handles: Sequence[str], timeout: int) -> set[str]:
        """ChangeMessageVisibilityBatch in chunks of 10; the handles SQS accepted.

        A handle SQS rejects (the message was deleted, or received again) is left out.
        """
        accepted: set[str] = set()
        for chunk in _chunks(handles):
            entries = [
                {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": timeout}
                for i, h in enumerate(chunk)
            ]
            response = await self.retrier.call(
                "ChangeMessageVisibilityBatch",
                partial(
                    self.client.change_message_visibility_batch, QueueUrl=self.url, Entries=entries
                ),
            )
            accepted.update(chunk[int(e["Id"])] for e in response.get("Successful") or ())
        return accepted

    async def _delete_chunk(self, chunk: list[str]) -> int:
        deleted, pending, retry = 0, chunk, 0
        while pending:
            entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(pending)]
            response = await self.retrier.call(
                "DeleteMessageBatch",
                partial(self.client.delete_message_batch, QueueUrl=self.url, Entries=entries),
            )
            deleted += len(response.get("Successful") or ())
            failed = response.get("Failed") or ()
            pending = [pending[int(f["Id"])] for f in failed if not f.get("SenderFault", True)]
            retry += 1
            if pending and self.retrier.policy.exhausted(retry):
                break  # they come back after their visibility timeout: redelivered, not lost
            if pending:
                self.retrier.retries += 1
                await self.retrier.policy.wait(self.retrier.clock, retry, self.retrier.rng)
        return deleted


def to_queue_message(message: Mapping[str, Any]) -> QueueMessage:
    """A ReceiveMessage entry as a QueueMessage (attributes in Lambda's order, §3.1)."""
    raw = {str(k): str(v) for k, v in (message.get("Attributes") or {}).items()}
    attributes = {name: raw[name] for name in ATTRIBUTE_ORDER if name in raw}
    attributes.update((k, v) for k, v in raw.items() if k not in attributes)
    return QueueMessage(
        message_id=str(message["MessageId"]),
        receipt_handle=str(message["ReceiptHandle"]),
        body=str(message.get("Body", "")),
        md5_of_body=str(message.get("MD5OfBody", "")),
        attributes=attributes,
        message_attributes={
            str(name): MessageAttributeValue(
                data_type=str(value["DataType"]),
                string_value=value.get("StringValue"),
                binary_value=value.get("BinaryValue"),
            )
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        md5_of_message_attributes=message.get("MD5OfMessageAttributes"),
    )


def _chunks(handles: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(handles), MAX_BATCH_ENTRIES):
        yield list(handles[start : start + MAX_BATCH_ENTRIES])


async def fetch_queue_depths(
    arn: str, settings: Any, *, default_region: str
) -> tuple[QueueDepth, str | None, QueueDepth | None]:
    """A real queue's depth, its RedrivePolicy's DLQ ARN and that DLQ's depth, for `status`.

    One attempt per call, no retries: status answers at once. Raises SourceUnavailable with
    AWS's message (missing queue, denied access, unreachable endpoint) and ExtraMissing
    without the ``aws`` extra.
    """
    import json

    from headrace.aws.aws_retry import RetryPolicy
    from headrace.aws.clients import create_client, region_of
    from headrace.clock import SystemClock

    retrier = Retrier(SystemClock(), arn, policy=RetryPolicy(attempts=0))
    region = region_of(arn, default_region)
    async with create_client("sqs", region, settings, max_connections=2) as client:
        api = await SqsQueueApi.locate(client, arn, retrier)
        found = await api.attributes(*DEPTH_ATTRIBUTES, "RedrivePolicy")
        depth = QueueDepth(*(int(found.get(name, "0")) for name in DEPTH_ATTRIBUTES))
        policy = json.loads(found["RedrivePolicy"]) if found.get("RedrivePolicy") else {}
        dlq_arn = policy.get("deadLetterTargetArn")
        if not dlq_arn:
            return depth, None, None
        dlq = await SqsQueueApi.locate(client, str(dlq_arn), retrier)
        return depth, str(dlq_arn), await dlq.depth()
