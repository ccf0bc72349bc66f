"""Retries with jitter and the meaning of AWS failures (no network: a fake clock and errors)."""

from __future__ import annotations

import asyncio
import random

import pytest
from aws_support import client_error
from botocore.exceptions import EndpointConnectionError, NoCredentialsError

from headrace.aws.aws_errors import FailureKind, classify
from headrace.aws.aws_retry import Retrier, RetryPolicy
from headrace.clock import FakeClock
from headrace.errors import SourceUnavailable

ARN = "arn:aws:sqs:us-east-1:123456789012:orders"


class Flaky:
    """An AWS call that fails with ``errors`` first, then returns "done"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


async def run_with_clock(clock: FakeClock, work: asyncio.Future[str] | asyncio.Task[str]) -> str:
    """Advance the fake clock in small steps until ``work`` finishes."""
    for _ in range(10_000):
        await asyncio.sleep(0)
        if work.done():
            return work.result()
        clock.advance(0.01)
    raise AssertionError("the call never finished")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (client_error("ThrottlingException"), FailureKind.TRANSIENT),
        (client_error("RequestThrottled"), FailureKind.TRANSIENT),
        (client_error("SomethingNew", status=503), FailureKind.TRANSIENT),
        (client_error("AWS.SimpleQueueService.NonExistentQueue"), FailureKind.MISSING),
        (client_error("AccessDenied", status=403), FailureKind.DENIED),
        (client_error("InvalidClientTokenId", status=403), FailureKind.DENIED),
        (client_error("InvalidParameterValue"), FailureKind.OTHER),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), FailureKind.TRANSIENT),
        (TimeoutError(), FailureKind.TRANSIENT),
        (NoCredentialsError(), FailureKind.DENIED),
    ],
)
def test_failures_are_classified_by_what_to_do_next(error: Exception, kind: FailureKind) -> None:
    """Throttling, 5xx and network errors are transient; missing and denied are problems."""
    failure = classify(error, "ReceiveMessage")
    assert failure is not None
    assert failure.kind is kind


def test_programming_errors_are_not_aws_failures() -> None:
    """A TypeError from a call is a bug, not an AWS failure: it is not classified."""
    assert classify(TypeError("bad"), "ReceiveMessage") is None


def test_sqs_failure_text_is_lambdas_wording() -> None:
    """§1.6.11: 'Error occurred while <Op>. SQS Error Code: <code>. SQS Error Message: <msg>'."""
    error = client_error(
        "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."
    )
    failure = classify(error, "ReceiveMessage")
    assert failure is not None
    assert failure.sqs_text() == (
        "Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
        "does not exist."
    )


def test_delays_are_full_jitter_below_a_doubling_capped_ceiling() -> None:
    """Each retry waits a random time below min(cap, base * 2**(n-1))."""
    policy = RetryPolicy(attempts=10, base=0.2, cap=1.0)
    rng = random.Random(7)
    for retry, ceiling in [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (9, 1.0)]:
        delays = [policy.delay(retry, rng) for _ in range(200)]
        assert all(0.0 <= d < ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not a fixed step


async def test_transient_failures_are_retried_until_the_call_succeeds() -> None:
    """Throttled twice, then answered: the caller sees the answer; two retries counted."""
    clock = FakeClock()
    retrier = Retrier(clock, ARN, rng=random.Random(1))
    call = Flaky(client_error("ThrottlingException"), client_error("InternalError", status=500))
    work = asyncio.ensure_future(retrier.call("ReceiveMessage", call))
    assert await run_with_clock(clock, work) == "done"
    assert (call.calls, retrier.retries, retrier.failures) == (3, 2, 0)


async def test_retries_wait_on_the_clock() -> None:
    """A retry waits its jittered delay on the injected clock before calling again."""
    clock = FakeClock()
    retrier = Retrier(clock, ARN, policy=RetryPolicy(base=10.0, cap=10.0))
    call = Flaky(client_error("ThrottlingException"))
    work = asyncio.ensure_future(retrier.call("ReceiveMessage", call))
    await asyncio.sleep(0)
    assert call.calls == 1
    assert clock.sleepers == 1
    clock.advance(10.0)
    assert await run_with_clock(clock, work) == "done"
    assert call.calls == 2


async def test_a_missing_queue_is_raised_at_once_without_retrying() -> None:
    """Not transient: no retry, SourceUnavailable with AWS's code and message."""
    clock = FakeClock()
    retrier = Retrier(clock, ARN)
    call = Flaky(client_error("AWS.SimpleQueueService.NonExistentQueue", "gone"))
    with pytest.raises(SourceUnavailable) as raised:
        await retrier.call("ReceiveMessage", call)
    assert call.calls == 1
    assert raised.value.code == "AWS.SimpleQueueService.NonExistentQueue"
    assert raised.value.source_arn == ARN
    assert not raised.value.transient


async def test_transient_failures_give_up_after_the_last_attempt() -> None:
    """A throttle that outlasts every attempt is raised, marked transient."""
    clock = FakeClock()
    retrier = Retrier(clock, ARN, policy=RetryPolicy(attempts=3))
    call = Flaky(*(client_error("ThrottlingException") for _ in range(5)))
    work = asyncio.ensure_future(retrier.call("ReceiveMessage", call))
    with pytest.raises(SourceUnavailable) as raised:
        await run_with_clock(clock, work)
    assert call.calls == 3
    assert raised.value.transient
    assert "SQS Error Code: ThrottlingException" in str(raised.value)


async def test_other_exceptions_propagate_unchanged() -> None:
    """A bug in a call (TypeError) is not retried or translated."""
    retrier = Retrier(FakeClock(), ARN)
    with pytest.raises(TypeError):
        await retrier.call("ReceiveMessage", Flaky(TypeError("bug")))
