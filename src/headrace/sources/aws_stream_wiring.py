"""Opening the real AWS on-failure destination of a stream mapping, for ``headrace run``.

An on-failure destination that is not an embedded queue is an SQS queue, SNS topic or S3
bucket on AWS (:func:`open_failure_destination`). Clients are entered on the caller's exit
stack, so they close with the run. (Real Kinesis and DynamoDB streams are opened by their
kinds, :mod:`headrace.sources.kinds`.)
"""

from __future__ import annotations

import contextlib

from headrace.aws.clients import AwsSettings
from headrace.clock import Clock
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.sources.aws_destinations import (
    S3Destination,
    SnsDestination,
    SqsDestination,
    open_destination,
)


async def open_failure_destination(
    config: Config,
    mapping: EventSourceMappingConfig,
    *,
    clock: Clock,
    stack: contextlib.AsyncExitStack,
) -> SqsDestination | SnsDestination | S3Destination | None:
    """The AWS sender of ``mapping``'s on-failure destination, or None when it has none or
    it is an embedded queue. Raises InvalidParameterValueException for other services."""
    destination = mapping.on_failure_destination
    if not destination or config.queue_by_arn(destination) is not None:
        return None
    return await open_destination(
        destination,
        AwsSettings(endpoint_url=config.endpoint_url),
        stack,
        mapping_uuid=mapping.uuid,
        clock=clock,
        default_region=config.region,
    )
