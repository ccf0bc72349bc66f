"""The stream retry policy as pure logic: retries, bisect, partial responses, record age (§4.2)."""

from __future__ import annotations

import pytest

from headrace.esm.outcome import OutcomeKind
from headrace.esm.streams.policy import (
    Attempt,
    Condition,
    Decision,
    Invoked,
    RetryPolicy,
    Span,
    decide,
)

ERROR = Invoked(OutcomeKind.FAILURE, function_error="Unhandled")
SUCCESS = Invoked(OutcomeKind.SUCCESS)


def partial(first_failed: int) -> Invoked:
    return Invoked(OutcomeKind.PARTIAL, first_failed=first_failed)


def first_call() -> Attempt:
    return Attempt().invoked("req-1")


def invocations_until_discard(policy: RetryPolicy, invoked: Invoked, size: int = 1) -> int:
    """Invoke a batch that always fails the same way until the policy gives it up."""
    attempt = Attempt()
    for _ in range(100):
        attempt = attempt.invoked("req")
        decision = decide(policy, size, invoked, attempt)
        if decision.discard is not None:
            return decision.discard.attempt.invocations
        (span,) = decision.retry
        attempt = span.attempt
    raise AssertionError("never discarded")


def test_success_processes_the_whole_batch() -> None:
    """§7.3: a successful invocation processes every record of the batch."""
    assert decide(RetryPolicy(), 5, SUCCESS, first_call()) == Decision(processed=5)


def test_function_error_retries_the_whole_batch() -> None:
    """§4.2.1: a function error retries the whole batch and processes nothing."""
    decision = decide(RetryPolicy(), 5, ERROR, first_call())
    assert decision.processed == 0
    assert [(s.start, s.stop) for s in decision.retry] == [(0, 5)]
    assert decision.discard is None


@pytest.mark.parametrize(("attempts", "invocations"), [(0, 1), (1, 2), (2, 3), (3, 4)])
def test_maximum_retry_attempts_allows_n_plus_one_invocations(
    attempts: int, invocations: int
) -> None:
    """§4.2.4: MaximumRetryAttempts N gives at most N+1 invocations (recorded N=1 -> 2)."""
    policy = RetryPolicy(maximum_retry_attempts=attempts)
    assert invocations_until_discard(policy, ERROR) == invocations


def test_unlimited_retries_never_discard() -> None:
    """§4.2.4: MaximumRetryAttempts -1 retries until the records expire."""
    attempt = Attempt(invocations=5000, retries=5000).invoked("req")
    decision = decide(RetryPolicy(), 1, ERROR, attempt)
    assert decision.discard is None


def test_exhausted_discard_carries_the_condition_and_function_error() -> None:
    """§4.2.11-4.2.12: a discard after a raised error says RetryAttemptsExhausted/Unhandled."""
    decision = decide(RetryPolicy(maximum_retry_attempts=0), 3, ERROR, first_call())
    assert decision.discard is not None
    assert decision.discard.condition is Condition.RETRY_ATTEMPTS_EXHAUSTED
    assert decision.discard.attempt.function_error == "Unhandled"
    assert (decision.discard.start, decision.discard.stop) == (0, 3)


def test_partial_response_processes_records_before_the_lowest_failure() -> None:
    """§3.5.6: records before the lowest reported one are processed; the rest are retried."""
    decision = decide(RetryPolicy(), 5, partial(2), first_call())
    assert decision.processed == 2
    assert [(s.start, s.stop) for s in decision.retry] == [(2, 5)]


def test_partial_response_uses_up_a_retry() -> None:
    """§4.2.4 recorded: BatchSize 3, last record failing, N=3 -> approximateInvokeCount 4."""
    policy = RetryPolicy(maximum_retry_attempts=3)
    attempt = first_call()
    decision = decide(policy, 3, partial(2), attempt)
    assert decision.processed == 2
    assert invocations_after(policy, decision.retry[0].attempt) == 4


def invocations_after(policy: RetryPolicy, attempt: Attempt) -> int:
    for _ in range(100):
        attempt = attempt.invoked("req")
        decision = decide(policy, 1, partial(0), attempt)
        if decision.discard is not None:
            return decision.discard.attempt.invocations
        attempt = decision.retry[0].attempt
    raise AssertionError("never discarded")


def test_partial_discard_has_no_function_error() -> None:
    """§4.2.12: a discard after partial responses has functionError null."""
    policy = RetryPolicy(maximum_retry_attempts=0)
    decision = decide(policy, 3, partial(1), first_call())
    assert decision.processed == 1
    assert decision.discard is not None
    assert (decision.discard.start, decision.discard.stop) == (1, 3)
    assert decision.discard.attempt.function_error is None


def test_invalid_response_discard_has_no_function_error() -> None:
    """§4.2.12 recorded: an invalid partial response is a failure with functionError null."""
    invalid = Invoked(OutcomeKind.FAILURE, function_error=None)
    decision = decide(RetryPolicy(maximum_retry_attempts=0), 2, invalid, first_call())
    assert decision.discard is not None
    assert decision.discard.attempt.function_error is None


def test_bisect_splits_a_failing_batch_in_two_halves_in_order() -> None:
    """§4.2.6: with bisect a failing batch is split in two; the first half goes first."""
    policy = RetryPolicy(bisect_batch_on_function_error=True)
    decision = decide(policy, 5, ERROR, first_call())
    assert [(s.start, s.stop) for s in decision.retry] == [(0, 3), (3, 5)]
    assert decision.processed == 0


def test_bisect_does_not_use_up_a_retry() -> None:
    """§4.2.6: "Splitting a batch does not count towards the retry quota"."""
    policy = RetryPolicy(bisect_batch_on_function_error=True, maximum_retry_attempts=0)
    decision = decide(policy, 2, ERROR, first_call())
    assert decision.discard is None
    assert all(s.attempt.retries == 0 for s in decision.retry)


def test_bisect_halves_inherit_the_invocation_count() -> None:
    """§4.2.13: halves remember that their records were invoked already."""
    policy = RetryPolicy(bisect_batch_on_function_error=True)
    decision = decide(policy, 4, ERROR, Attempt(invocations=2).invoked("req"))
    assert [s.attempt.invocations for s in decision.retry] == [3, 3]


def test_bisect_down_to_one_record_then_counts_retries() -> None:
    """§4.2.6 choice: a single record cannot be split; its retries use up the quota."""
    policy = RetryPolicy(bisect_batch_on_function_error=True, maximum_retry_attempts=1)
    assert invocations_until_discard(policy, ERROR, size=1) == 2


def test_bisect_with_partial_response_splits_at_the_returned_record() -> None:
    """§3.5.7: with bisect, a partial response is a split there and does not use a retry."""
    policy = RetryPolicy(bisect_batch_on_function_error=True, maximum_retry_attempts=0)
    decision = decide(policy, 4, partial(2), first_call())
    assert decision.processed == 2
    assert decision.retry == (Span(2, 4, decision.retry[0].attempt),)
    assert decision.retry[0].attempt.retries == 0


def test_bisect_with_partial_failure_of_the_first_record_uses_a_retry() -> None:
    """§3.5.7 choice: a partial response that processed nothing is a retry, not a split."""
    policy = RetryPolicy(bisect_batch_on_function_error=True, maximum_retry_attempts=0)
    decision = decide(policy, 4, partial(0), first_call())
    assert decision.discard is not None


def test_expired_prefix_counts_leading_records_older_than_the_maximum_age() -> None:
    """§4.2.5: records older than MaximumRecordAgeInSeconds are discarded."""
    policy = RetryPolicy(maximum_record_age_in_seconds=60)
    assert policy.expired_prefix([100.0, 130.0, 170.0], now=200.0) == 2


def test_a_record_exactly_at_the_maximum_age_is_kept() -> None:
    """§4.2.5: only records *older* than the maximum age are discarded."""
    policy = RetryPolicy(maximum_record_age_in_seconds=60)
    assert policy.expired_prefix([140.0], now=200.0) == 0


def test_unlimited_age_never_expires() -> None:
    """§4.2.5: MaximumRecordAgeInSeconds -1 never discards by age."""
    assert RetryPolicy().expired_prefix([0.0], now=10_000_000.0) == 0
