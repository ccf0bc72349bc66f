"""Helpers of the SQS source's tests: queues on moto, and a client that injects faults."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
# moto's default account: the ARNs of its queues carry it.
MOTO_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class MotoQueue:
    """A queue created on moto for one test."""

    name: str
    url: str
    region: str = REGION

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{MOTO_ACCOUNT}:{self.name}"


class Queues:
    """Creates uniquely named queues on moto and sends to them (boto3, synchronous)."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.endpoint = endpoint
        self._clients = {
            region: boto3.client("sqs", region_name=region, endpoint_url=endpoint)
            for region in (REGION, "eu-west-1")
        }
        self.client = self._clients[REGION]

    def create(self, base: str = "q", *, region: str = REGION, **attributes: Any) -> MotoQueue:
        name = f"{base}-{uuid.uuid4().hex[:8]}" + (".fifo" if attributes.get("FifoQueue") else "")
        wire = {
            k: json.dumps(v)
            if isinstance(v, dict)
            else str(v).lower()
            if isinstance(v, bool)
            else str(v)
            for k, v in attributes.items()
        }
        url = self._clients[region].create_queue(QueueName=name, Attributes=wire)["QueueUrl"]
        return MotoQueue(name, url, region)

    def send(self, queue: MotoQueue, *bodies: str, group: str | None = None, **extra: Any) -> None:
        if group is not None:
            extra["MessageGroupId"] = group
            extra.setdefault("MessageDeduplicationId", None)
        for body in bodies:
            fields = dict(extra)
            if fields.get("MessageDeduplicationId", "") is None:
                fields["MessageDeduplicationId"] = uuid.uuid4().hex
            self._clients[queue.region].send_message(QueueUrl=queue.url, MessageBody=body, **fields)

    def receive_all(self, queue: MotoQueue, visibility: int = 30) -> list[dict[str, Any]]:
        """Every message receivable now (each is then hidden for ``visibility`` seconds)."""
        found: list[dict[str, Any]] = []
        while True:
            got = (
                self._clients[queue.region]
                .receive_message(
                    QueueUrl=queue.url,
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=visibility,
                    MessageSystemAttributeNames=["All"],
                )
                .get("Messages", [])
            )
            if not got:
                return found
            found.extend(got)

    def depth(self, queue: MotoQueue) -> dict[str, str]:
        return self._clients[queue.region].get_queue_attributes(
            QueueUrl=queue.url, AttributeNames=["All"]
        )["Attributes"]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


class FaultyClient:
    """The real client, with botocore errors raised first for chosen operations.

    ``faults["receive_message"] = [error, ...]`` makes the next receive_message calls raise
    those errors in turn; afterwards calls reach moto again.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self.faults: dict[str, list[Exception]] = {}
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        real = getattr(self._client, name)

        async def call(**kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            pending = self.faults.get(name)
            if pending:
                raise pending.pop(0)
            return await real(**kwargs)

        return call


def client_error(
    code: str, message: str = "denied", status: int = 400, operation: str = "X"
) -> Exception:
    """A botocore ClientError as AWS would send it."""
    from botocore.exceptions import ClientError

    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)
