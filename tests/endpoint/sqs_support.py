"""Helpers of the SQS endpoint tests: boto3 calls off the event loop the App runs on."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from endpoint_support import ACCOUNT

ORDERS_DLQ_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-dlq"
# A file with a standard queue and its DLQ, and a FIFO queue.
SQS_CONFIG: dict[str, Any] = {
    "queues": {
        "orders": {
            "VisibilityTimeout": 30,
            "RedrivePolicy": {"deadLetterTargetArn": ORDERS_DLQ_ARN, "maxReceiveCount": 3},
        },
        "orders-dlq": {},
        "jobs.fifo": {"FifoQueue": True, "ContentBasedDeduplication": True},
    }
}


async def call(method: Any, **params: Any) -> Any:
    """A boto3 client method called on a thread: the App answers on this test's loop."""
    return await asyncio.to_thread(functools.partial(method, **params))


async def error_of(method: Any, **params: Any) -> Any:
    """The ClientError a boto3 call raises (the test fails if it raises none)."""
    try:
        await call(method, **params)
    except Exception as error:
        return error
    raise AssertionError(f"{method.__name__} raised no error")
