"""The SQS source against moto's server: long polls, held messages, deletes, depth, checks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aws_support import FaultyClient, Queues, client_error

from headrace.aws.clients import AwsSettings
from headrace.clock import SystemClock
from headrace.errors import InvalidParameterValueException, SourceUnavailable
from headrace.sources.sqs import SqsPolling, SqsQueueSource, connect_sqs_source, open_sqs_source

POLLING = SqsPolling(batch_size=10, window_seconds=0, function_timeout=1)


async def connect(client: Any, arn: str, polling: SqsPolling = POLLING) -> SqsQueueSource:
    return await connect_sqs_source(client, arn, polling=polling, clock=SystemClock())


async def test_wait_visible_long_polls_and_keeps_what_it_received(
    queues: Queues, aio_client: Any
) -> None:
    """§2.12: the wait is a long poll; the next receive hands out what it got, no new call."""
    q = queues.create(VisibilityTimeout=5)
    source = await connect(aio_client, q.arn)
    try:
        waiting = asyncio.ensure_future(source.wait_visible(5))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # waiting at SQS, not spinning
        queues.send(q, "hello")
        assert await waiting
        receives = source.statistics().receives
        [message] = await source.receive(10, wait_seconds=0)
        assert message.body == "hello"
        assert message.receive_count == 1
        assert source.statistics().receives == receives
    finally:
        await source.aclose()


async def test_wait_visible_is_false_when_the_wait_runs_out(
    queues: Queues, aio_client: Any
) -> None:
    """An empty long poll of 1 s returns False: nothing to hold."""
    q = queues.create()
    source = await connect(aio_client, q.arn)
    try:
        assert not await source.wait_visible(1)
        assert source.statistics().empty_receives == 1
    finally:
        await source.aclose()


async def test_held_messages_stay_invisible_past_their_visibility_timeout(
    queues: Queues, aio_client: Any
) -> None:
    """§4.1.4 done better: a message held for a lane is not delivered twice while it waits."""
    q = queues.create(VisibilityTimeout=2)
    queues.send(q, "held")
    source = await connect(aio_client, q.arn)
    try:
        assert await source.wait_visible(5)
        await asyncio.sleep(3.5)  # past the 2 s visibility timeout
        assert queues.receive_all(q) == []
        [message] = await source.receive(10, wait_seconds=0)
        assert message.receive_count == 1
        assert source.statistics().visibility_extensions >= 2
    finally:
        await source.aclose()


async def test_a_failed_batch_comes_back_once_its_lane_asks_again(
    queues: Queues, aio_client: Any
) -> None:
    """§4.1.2: once a lane moves on, what it did not delete returns after the timeout."""
    q = queues.create(VisibilityTimeout=2)
    queues.send(q, "fails")
    source = await connect(aio_client, q.arn)
    try:
        [message] = await source.receive(10, wait_seconds=1)
        assert await source.receive(10, wait_seconds=0) == []  # the lane's next batch
        await asyncio.sleep(2.5)
        [again] = queues.receive_all(q)
        assert again["MessageId"] == message.message_id
        assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    finally:
        await source.aclose()


async def test_a_batch_in_flight_is_extended_while_its_lane_works(
    queues: Queues, aio_client: Any
) -> None:
    """A lane still working on its batch keeps it invisible past the visibility timeout."""
    q = queues.create(VisibilityTimeout=2)
    queues.send(q, "slow")
    polling = SqsPolling(batch_size=10, window_seconds=0, function_timeout=2)
    source = await connect(aio_client, q.arn, polling)
    try:
        [message] = await source.receive(10, wait_seconds=1)
        await asyncio.sleep(3)  # the "invocation" outlasts the visibility timeout
        assert queues.receive_all(q) == []
        assert await source.delete([message]) == 1
    finally:
        await source.aclose()


async def test_delete_counts_what_sqs_deleted(queues: Queues, aio_client: Any) -> None:
    """§4.1.1: DeleteMessageBatch deletes the batch; the queue is then empty."""
    q = queues.create(VisibilityTimeout=5)
    queues.send(q, *(f"m{i}" for i in range(15)))
    source = await connect(aio_client, q.arn)
    try:
        received = []
        while batch := await source.receive(10, wait_seconds=0):
            received.extend(batch)
        assert len(received) == 15
        assert await source.delete(received) == 15
        assert (await source.depth()).total == 0
    finally:
        await source.aclose()


async def test_delete_retries_entries_that_failed_through_sqs_fault(
    queues: Queues, aio_client: Any
) -> None:
    """A DeleteMessageBatch entry failing with SenderFault false is deleted on a retry."""
    q = queues.create(VisibilityTimeout=5)
    queues.send(q, "a", "b")
    real = aio_client.delete_message_batch
    failed_once: list[str] = []

    async def first_entry_fails_once(**kwargs: Any) -> Any:
        entries = kwargs["Entries"]
        if failed_once:
            return await real(**kwargs)
        failed_once.append(entries[0]["ReceiptHandle"])
        await real(QueueUrl=kwargs["QueueUrl"], Entries=entries[1:])
        failure = {"Id": entries[0]["Id"], "SenderFault": False, "Code": "InternalError"}
        return {"Successful": [{"Id": e["Id"]} for e in entries[1:]], "Failed": [failure]}

    faulty = FaultyClient(aio_client)
    source = await connect(faulty, q.arn)
    faulty.__dict__["delete_message_batch"] = first_entry_fails_once
    try:
        received = []
        while batch := await source.receive(10, wait_seconds=0):
            received.extend(batch)
        assert await source.delete(received) == 2
        assert failed_once
        assert (await source.depth()).total == 0
    finally:
        await source.aclose()


async def test_release_makes_messages_visible_at_once(queues: Queues, aio_client: Any) -> None:
    """change_visibility(messages, 0) hands messages back at once (shutdown)."""
    q = queues.create(VisibilityTimeout=30)
    queues.send(q, "back")
    source = await connect(aio_client, q.arn)
    try:
        received = await source.receive(10, wait_seconds=1)
        await source.change_visibility(received, 0)
        assert [m["Body"] for m in queues.receive_all(q)] == ["back"]
    finally:
        await source.aclose()


async def test_close_hands_held_messages_back(queues: Queues, aio_client: Any) -> None:
    """Nothing received is held past aclose: held messages are visible again at once."""
    q = queues.create(VisibilityTimeout=30)
    queues.send(q, "held")
    source = await connect(aio_client, q.arn)
    assert await source.wait_visible(5)
    await source.aclose()
    [again] = queues.receive_all(q)
    assert again["Body"] == "held"


async def test_depth_reads_sqs_approximate_numbers(queues: Queues, aio_client: Any) -> None:
    """Depth is ApproximateNumberOfMessages{,NotVisible,Delayed} (exact on moto)."""
    q = queues.create(VisibilityTimeout=30)
    queues.send(q, "a", "b", "c")
    queues.send(q, "later", DelaySeconds=60)
    source = await connect(aio_client, q.arn)
    try:
        await source.receive(1, wait_seconds=1)
        depth = await source.depth()
        assert (depth.visible, depth.in_flight, depth.delayed) == (2, 1, 1)
    finally:
        await source.aclose()


async def test_fifo_receive_never_splits_a_group_between_batches(
    queues: Queues, aio_client: Any
) -> None:
    """§4.1.7: held FIFO messages are handed out by whole groups, in order."""
    q = queues.create(FifoQueue=True, ContentBasedDeduplication=True, VisibilityTimeout=30)
    queues.send(q, "g1-1", group="g1")
    queues.send(q, "g2-1", group="g2")
    queues.send(q, "g1-2", group="g1")
    polling = SqsPolling(batch_size=3, window_seconds=0, function_timeout=1)
    source = await connect(aio_client, q.arn, polling)
    try:
        assert await source.wait_visible(5)
        first = await source.receive(2, wait_seconds=0)
        second = await source.receive(2, wait_seconds=0)
        assert [m.body for m in first] == ["g1-1", "g1-2"]
        assert [m.body for m in second] == ["g2-1"]
    finally:
        await source.aclose()


async def test_records_keep_lambdas_attribute_order(queues: Queues, aio_client: Any) -> None:
    """§3.1, §3.1.2: system attributes in Lambda's order; message attributes converted."""
    q = queues.create(FifoQueue=True, ContentBasedDeduplication=True)
    queues.send(
        q,
        "body",
        group="g",
        MessageAttributes={"n": {"DataType": "Number", "StringValue": "7"}},
    )
    source = await connect(aio_client, q.arn)
    try:
        [message] = await source.receive(10, wait_seconds=1)
        assert list(message.attributes)[:7] == [
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
        ]
        assert message.message_attributes["n"].to_record() == {
            "stringValue": "7",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Number",
        }
        assert message.md5_of_message_attributes
    finally:
        await source.aclose()


async def test_a_missing_queue_fails_the_startup_check(queues: Queues, aio_client: Any) -> None:
    """§1.6.11: a queue that does not exist is refused with AWS's exact message."""
    with pytest.raises(InvalidParameterValueException) as raised:
        await connect(aio_client, "arn:aws:sqs:us-east-1:123456789012:no-such-queue")
    assert raised.value.message == (
        "Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
        "does not exist."
    )


async def test_visibility_shorter_than_timeout_fails_the_startup_check(
    queues: Queues, aio_client: Any
) -> None:
    """§1.6.10: a visibility timeout below the function's Timeout is refused."""
    q = queues.create(VisibilityTimeout=60)
    polling = SqsPolling(batch_size=10, window_seconds=0, function_timeout=120)
    with pytest.raises(InvalidParameterValueException) as raised:
        await connect(aio_client, q.arn, polling)
    assert raised.value.message == (
        "Queue visibility timeout: 60 seconds is less than Function timeout: 120 seconds"
    )


async def test_denied_access_fails_the_startup_check(queues: Queues, aio_client: Any) -> None:
    """§9.10: without permission to read the queue, startup is refused, naming the call."""
    q = queues.create()
    faulty = FaultyClient(aio_client)
    faulty.faults["get_queue_attributes"] = [client_error("AccessDenied", "not allowed", 403)]
    with pytest.raises(InvalidParameterValueException) as raised:
        await connect(faulty, q.arn)
    assert "does not have permissions to call GetQueueAttributes on SQS" in raised.value.message


async def test_throttled_receives_are_retried_and_lose_nothing(
    queues: Queues, aio_client: Any
) -> None:
    """Transient errors back off and retry: the message still arrives, received once."""
    q = queues.create(VisibilityTimeout=5)
    queues.send(q, "survives")
    faulty = FaultyClient(aio_client)
    source = await connect(faulty, q.arn)
    faulty.faults["receive_message"] = [
        client_error("ThrottlingException", status=400),
        client_error("InternalError", status=500),
    ]
    try:
        [message] = await source.receive(10, wait_seconds=1)
        assert message.body == "survives"
        assert message.receive_count == 1
        assert source.statistics().retries == 2
    finally:
        await source.aclose()


async def test_denied_receive_raises_awss_message_and_recovers(
    queues: Queues, aio_client: Any
) -> None:
    """A denied receive raises AWS's message; once allowed again, receiving resumes."""
    q = queues.create(VisibilityTimeout=5)
    queues.send(q, "later")
    faulty = FaultyClient(aio_client)
    source = await connect(faulty, q.arn)
    faulty.faults["receive_message"] = [client_error("AccessDenied", "no ReceiveMessage", 403)]
    try:
        assert await source.wait_visible(1)  # the failure is left for the receive to raise
        with pytest.raises(SourceUnavailable) as raised:
            await source.receive(10, wait_seconds=0)
        assert str(raised.value) == (
            "Error occurred while ReceiveMessage. SQS Error Code: AccessDenied. "
            "SQS Error Message: no ReceiveMessage"
        )
        [message] = await source.receive(10, wait_seconds=1)
        assert message.body == "later"
    finally:
        await source.aclose()


async def test_the_region_comes_from_the_arn(queues: Queues, moto_endpoint: str) -> None:
    """A queue in another region than the config's is reached in its own region."""
    q = queues.create(region="eu-west-1")
    queues.send(q, "from eu-west-1")
    settings = AwsSettings(endpoint_url=moto_endpoint, environment={})
    async with open_sqs_source(
        q.arn,
        settings=settings,
        polling=POLLING,
        clock=SystemClock(),
        default_region="us-east-1",
        max_connections=4,
    ) as source:
        [message] = await source.receive(10, wait_seconds=1)
        assert message.body == "from eu-west-1"


async def test_aws_endpoint_url_wins_over_the_config(queues: Queues, moto_endpoint: str) -> None:
    """AWS_ENDPOINT_URL in the environment beats the config's aws.endpoint_url."""
    q = queues.create()
    settings = AwsSettings(
        endpoint_url="http://127.0.0.1:9", environment={"AWS_ENDPOINT_URL": moto_endpoint}
    )
    assert settings.endpoint_for("sqs") is None  # botocore reads the variable itself
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
        async with open_sqs_source(
            q.arn,
            settings=settings,
            polling=POLLING,
            clock=SystemClock(),
            default_region="us-east-1",
            max_connections=4,
        ) as source:
            assert source.visibility_timeout == 30
