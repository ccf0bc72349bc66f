"""On-failure destinations on moto: SQS body, SNS message and its cap, S3 key and payload."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from aws_support import FaultyClient, client_error
from streams_support import REGION, Moto, QuickClock

from headrace.aws.clients import AwsSettings, create_client
from headrace.errors import SourceUnavailable
from headrace.sources.aws_destinations import (
    SNS_MAX_BYTES,
    SqsDestination,
    object_key,
    open_destination,
)

pytestmark = pytest.mark.timeout(60)

UUID = "6d8a1c2e-0000-4000-8000-000000000001"
# §4.2.10: what a Kinesis on-failure record looks like (the fields a sender reads).
BODY = json.dumps(
    {
        "requestContext": {"condition": "RetryAttemptsExhausted"},
        "version": "1.0",
        "KinesisBatchInfo": {"shardId": "shardId-000000000001", "batchSize": 1},
    }
)
# §4.2.15: aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>
KEY_PATTERN = re.compile(
    rf"aws/lambda/{UUID}/shardId-000000000001/(\d{{4}})/(\d{{2}})/(\d{{2}})/"
    r"\1-\2-\3T\d{2}\.\d{2}\.\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


async def sender(
    arn: str, settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
):  # type: ignore[no-untyped-def]
    return await open_destination(
        arn, settings, stack, mapping_uuid=UUID, clock=clock, default_region=REGION
    )


async def test_sqs_gets_the_record_as_body(
    moto: Moto, settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
) -> None:
    """§4.2.10: the SQS message body is the invocation record."""
    url, arn = moto.queue()
    await (await sender(arn, settings, stack, clock)).send(BODY)
    assert moto.bodies(url) == [BODY]


async def test_fifo_queue_delivery_fails(
    moto: Moto, settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
) -> None:
    """§4.2.8: a FIFO queue destination fails delivery."""
    url, arn = moto.queue(fifo=True)
    with pytest.raises(SourceUnavailable):
        await (await sender(arn, settings, stack, clock)).send(BODY)
    assert moto.bodies(url) == []


async def test_sns_publishes_the_record_as_message(
    moto: Moto, settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
) -> None:
    """§4.2.10: the SNS Message is the invocation record (seen through a raw subscription)."""
    topic = moto.sns.create_topic(Name="failures")["TopicArn"]
    url, queue_arn = moto.queue()
    moto.sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    await (await sender(topic, settings, stack, clock)).send(BODY)
    assert moto.bodies(url) == [BODY]


async def test_sns_refuses_a_record_over_256_kb(
    moto: Moto, settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
) -> None:
    """§4.2.9: SNS messages are limited to 256 KB: a bigger record is a delivery failure."""
    topic = moto.sns.create_topic(Name="big")["TopicArn"]
    with pytest.raises(SourceUnavailable, match="Message too long"):
        await (await sender(topic, settings, stack, clock)).send("x" * (SNS_MAX_BYTES + 1))


async def test_s3_object_has_key_format_and_payload(
    moto: Moto, settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
) -> None:
    """§4.2.15: the object key format, and the record plus payload as a JSON string."""
    bucket = moto.bucket()
    destination = await sender(f"arn:aws:s3:::{bucket}", settings, stack, clock)
    payload = '{"Records":[{"eventID":"x"}]}'
    await destination.send_with_payload(BODY, payload)  # type: ignore[union-attr]
    ((key, stored),) = moto.objects(bucket).items()
    assert KEY_PATTERN.fullmatch(key), key
    assert stored == {**json.loads(BODY), "payload": payload}


def test_object_key_uses_utc_time() -> None:
    """§4.2.15: the date parts of the key come from the delivery time (UTC)."""
    key = object_key(UUID, "shardId-000000000001", 1_573_692_006.5)
    assert key.startswith(f"aws/lambda/{UUID}/shardId-000000000001/2019/11/14/2019-11-14T00.40.06-")


async def test_missing_queue_fails_with_awss_message(
    settings: AwsSettings, stack: contextlib.AsyncExitStack, clock: QuickClock
) -> None:
    """§4.2.8: a send that AWS refuses is a delivery failure carrying AWS's message."""
    arn = f"arn:aws:sqs:{REGION}:123456789012:no-such-queue"
    with pytest.raises(SourceUnavailable, match=r"NonExistentQueue|does not exist"):
        await (await sender(arn, settings, stack, clock)).send(BODY)


async def test_transient_failures_are_retried_then_delivered(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """Issue 4: a throttled send is retried with jittered backoff and then delivered."""
    url, arn = moto.queue()
    async with create_client("sqs", REGION, settings, max_connections=2) as client:
        faulty = FaultyClient(client)
        faulty.faults["send_message"] = [client_error("ThrottlingException", "slow down")] * 2
        destination = SqsDestination(faulty, arn, clock=clock)
        await destination.send(BODY)
    assert moto.bodies(url) == [BODY]
    stats = destination.statistics()
    assert (stats.sent, stats.retries, stats.failures) == (1, 2, 0)
