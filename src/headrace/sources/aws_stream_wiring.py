"""Choosing and opening the real AWS pieces of a stream mapping, for ``headrace run``.

A Kinesis or DynamoDB stream ARN the config does not declare is read through AWS
(:func:`open_stream_source`); an on-failure destination that is not an embedded queue is an
SQS queue, SNS topic or S3 bucket on AWS (:func:`open_failure_destination`). Clients are
entered on the caller's exit stack, so they close with the run.
"""

from __future__ import annotations

import contextlib

from headrace.aws.clients import AwsSettings
from headrace.clock import Clock
from headrace.config.kinds import SourceKind
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.sources.aws_destinations import (
    S3Destination,
    SnsDestination,
    SqsDestination,
    open_destination,
)
from headrace.sources.aws_streams import AwsStreamSource
from headrace.sources.dynamodb_streams import check_starting_position, open_dynamodb_stream_source
from headrace.sources.kinesis import open_kinesis_source


def reads_aws_stream(config: Config, mapping: EventSourceMappingConfig) -> bool:
    """Whether ``mapping`` reads a Kinesis or DynamoDB stream the config does not declare."""
    arn = mapping.event_source_arn
    if mapping.source_kind not in (SourceKind.KINESIS, SourceKind.DYNAMODB):
        return False
    return config.stream_by_arn(arn) is None and config.table_by_arn(arn) is None


async def open_stream_source(
    config: Config,
    mapping: EventSourceMappingConfig,
    *,
    clock: Clock,
    stack: contextlib.AsyncExitStack,
) -> AwsStreamSource:
    """The real stream ``mapping`` reads. A DynamoDB stream with AT_TIMESTAMP raises
    InvalidParameterValueException with §1.6.6's message; nothing is called on AWS yet."""
    arn = mapping.event_source_arn
    settings = AwsSettings(endpoint_url=config.endpoint_url)
    if mapping.source_kind is SourceKind.DYNAMODB:
        check_starting_position(arn, mapping.starting_position)
        return await open_dynamodb_stream_source(
            arn, settings, clock=clock, default_region=config.region, stack=stack
        )
    return await open_kinesis_source(
        arn, settings, clock=clock, default_region=config.region, stack=stack
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
