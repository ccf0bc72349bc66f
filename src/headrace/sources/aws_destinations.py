"""On-failure destinations on AWS: a standard SQS queue, a standard SNS topic, an S3 bucket.

Each is a :class:`~headrace.esm.streams.destinations.DestinationSender` (§4.2.8):

- :class:`SqsDestination` sends the invocation record (§4.2.10) as the message body;
- :class:`SnsDestination` publishes it as the ``Message``; a record over SNS's 256 KB
  limit (§4.2.9) is not sent and counts as a delivery failure;
- :class:`S3Destination` writes an object holding the record plus ``payload``, the
  original invocation event as an escaped JSON string, under
  ``aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>``
  (§4.2.15).

FIFO queues and topics are refused at delivery, as AWS fails deliveries to them (§4.2.8).
Transient failures are retried with jittered backoff; what still fails is raised as
:class:`~headrace.errors.SourceUnavailable` with AWS's message, which the engine counts as
``DestinationDeliveryFailures`` (and the records as dropped).
"""

from __future__ import annotations

import contextlib
import datetime
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from headrace import arn as arnlib
from headrace.aws.aws_errors import classify
from headrace.aws.aws_retry import RetryPolicy
from headrace.aws.clients import AwsSettings, create_client, region_of
from headrace.clock import Clock
from headrace.errors import InvalidParameterValueException, SourceUnavailable

T = TypeVar("T")

# §4.2.9: SNS messages are limited to 256 KB.
SNS_MAX_BYTES = 256 * 1024
# Connections a destination's client may open: sends are rare (only for discarded records).
MAX_CONNECTIONS = 4
# The AWS services an on-failure destination ARN may name (§4.2.8).
DESTINATION_SERVICES = frozenset({"sqs", "sns", "s3"})

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class DestinationStatistics:
    """What one AWS destination did: records delivered, retries, deliveries that failed."""

    sent: int
    retries: int
    failures: int


class _AwsSender:
    """What the three senders share: the ARN, the client, and retried calls."""

    service = ""

    def __init__(
        self,
        client: Any,
        destination_arn: str,
        *,
        clock: Clock,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._arn = destination_arn
        self._clock = clock
        self._policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self.sent = 0
        self.retries = 0
        self.failures = 0

    @property
    def arn(self) -> str:
        return self._arn

    def statistics(self) -> DestinationStatistics:
        return DestinationStatistics(self.sent, self.retries, self.failures)

    async def _call(self, operation: str, fn: Callable[[], Awaitable[T]]) -> T:
        retry = 0
        while True:
            try:
                return await fn()
            except Exception as exc:
                failure = classify(exc, operation)
                if failure is None:
                    raise
                retry += 1
                if not failure.transient or retry >= self._policy.attempts:
                    self.failures += 1
                    code = f" {self.service} Error Code: {failure.code}." if failure.code else ""
                    raise SourceUnavailable(
                        f"Error occurred while {operation}.{code} {failure.message}",
                        source_arn=self._arn,
                        code=failure.code,
                        transient=failure.transient,
                    ) from exc
                self.retries += 1
                await self._clock.sleep(self._policy.delay(retry, self._rng))

    def _refuse_fifo(self) -> None:
        if self._arn.endswith(".fifo"):
            raise SourceUnavailable(
                f"{self._arn}: a FIFO {self.service} cannot be an on-failure destination",
                source_arn=self._arn,
                transient=False,
            )


class SqsDestination(_AwsSender):
    """A standard SQS queue: the record is the message body."""

    service = "SQS"

    def __init__(self, client: Any, destination_arn: str, *, clock: Clock, **kw: Any) -> None:
        super().__init__(client, destination_arn, clock=clock, **kw)
        self._url: str | None = None

    async def send(self, body: str) -> None:
        """SendMessage with ``body``; raises SourceUnavailable if it fails."""
        self._refuse_fifo()
        url = await self._queue_url()
        await self._call(
            "SendMessage", lambda: self._client.send_message(QueueUrl=url, MessageBody=body)
        )
        self.sent += 1

    async def _queue_url(self) -> str:
        if self._url is None:
            parsed = arnlib.parse(self._arn)
            name = parsed.resource if parsed is not None else self._arn.rsplit(":", 1)[-1]
            account = parsed.account if parsed is not None else None
            args: dict[str, str] = {"QueueName": name}
            if account:
                args["QueueOwnerAWSAccountId"] = account
            response = await self._call("GetQueueUrl", lambda: self._client.get_queue_url(**args))
            self._url = str(response["QueueUrl"])
        return self._url


class SnsDestination(_AwsSender):
    """A standard SNS topic: the record is the ``Message`` (at most 256 KB, §4.2.9)."""

    service = "SNS"

    async def send(self, body: str) -> None:
        """Publish ``body``; raises SourceUnavailable if it is too big or the call fails."""
        self._refuse_fifo()
        size = len(body.encode("utf-8"))
        if size > SNS_MAX_BYTES:
            raise SourceUnavailable(
                f"Error occurred while Publish. SNS Error Code: InvalidParameter. "
                f"SNS Error Message: Invalid parameter: Message too long ({size} bytes; "
                f"the limit is {SNS_MAX_BYTES})",
                source_arn=self._arn,
                code="InvalidParameter",
                transient=False,
            )
        await self._call("Publish", lambda: self._client.publish(TopicArn=self._arn, Message=body))
        self.sent += 1


class S3Destination(_AwsSender):
    """An S3 bucket: one object per record, with the invocation event as ``payload``."""

    service = "S3"

    def __init__(
        self, client: Any, destination_arn: str, *, mapping_uuid: str, clock: Clock, **kw: Any
    ) -> None:
        super().__init__(client, destination_arn, clock=clock, **kw)
        self._uuid = mapping_uuid
        parsed = arnlib.parse(destination_arn)
        self._bucket = parsed.resource if parsed is not None else destination_arn.split(":")[-1]

    async def send(self, body: str) -> None:
        """Without the invocation event: the object has ``payload`` null."""
        await self.send_with_payload(body, None)

    async def send_with_payload(self, body: str, payload: str | None) -> None:
        """PutObject of ``body`` plus ``payload`` under §4.2.15's key."""
        record = _decoder.decode(body)
        record["payload"] = payload
        info: dict[str, Any] = next((v for k, v in record.items() if k.endswith("BatchInfo")), {})
        key = object_key(self._uuid, str(info.get("shardId", "unknown")), self._clock.time())
        data = _encoder.encode(record)
        await self._call(
            "PutObject",
            lambda: self._client.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType="application/json"
            ),
        )
        self.sent += 1


def object_key(mapping_uuid: str, shard_id: str, epoch_seconds: float) -> str:
    """§4.2.15: ``aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID>``."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return (
        f"aws/lambda/{mapping_uuid}/{shard_id}/{moment:%Y/%m/%d}/"
        f"{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
    )


def destination_service(destination_arn: str) -> str | None:
    """``sqs``, ``sns`` or ``s3`` for an ARN an AWS sender handles; None otherwise."""
    parsed = arnlib.parse(destination_arn)
    if parsed is None or parsed.service not in DESTINATION_SERVICES:
        return None
    return parsed.service


async def open_destination(
    destination_arn: str,
    settings: AwsSettings,
    stack: contextlib.AsyncExitStack,
    *,
    mapping_uuid: str,
    clock: Clock,
    default_region: str,
) -> SqsDestination | SnsDestination | S3Destination:
    """A sender for a real SQS queue, SNS topic or S3 bucket; its client lives on ``stack``.

    Raises InvalidParameterValueException for an ARN of another service.
    """
    service = destination_service(destination_arn)
    if service is None:
        raise InvalidParameterValueException(
            f"{destination_arn}: an on-failure destination must be an SQS queue, an SNS "
            "topic or an S3 bucket (§4.2.8)"
        )
    region = region_of(destination_arn, default_region)
    client = await stack.enter_async_context(
        create_client(service, region, settings, max_connections=MAX_CONNECTIONS)
    )
    if service == "sqs":
        return SqsDestination(client, destination_arn, clock=clock)
    if service == "sns":
        return SnsDestination(client, destination_arn, clock=clock)
    return S3Destination(client, destination_arn, mapping_uuid=mapping_uuid, clock=clock)
