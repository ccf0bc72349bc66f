"""What happens to a stream batch after an invocation: retry, bisect, partial, discard (§4.2).

Pure logic over positions in a batch, so it is unit- and property-tested on its own; the lane
(:mod:`headrace.esm.streams.lane`) applies each :class:`Decision` to real records.

The rules (docs/streams-engine.md explains the choices):

* success processes the whole batch (§7.3);
* a partial response (``ReportBatchItemFailures``) processes the records before the lowest
  reported one and retries the rest, from that record to the end of the batch (§3.5.6);
* a function error retries the whole batch (§4.2.1), or, with
  ``BisectBatchOnFunctionError``, splits a batch of two or more records in two halves that
  are retried in order, first half first (§4.2.6);
* a retry uses up one of ``MaximumRetryAttempts`` (§4.2.3-4.2.4) unless it is a split: a
  bisection, or (with bisect on) a partial response that processed at least one record —
  "the batch is bisected at the returned sequence number" (§3.5.7). ``-1`` retries forever;
* once the attempts are used up the remaining records are discarded with
  ``RetryAttemptsExhausted`` (§4.2.7); before every invocation, leading records older than
  ``MaximumRecordAgeInSeconds`` are discarded with ``RecordAgeExceeded`` (§4.2.5).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from headrace.esm.outcome import OutcomeKind

# MaximumRetryAttempts / MaximumRecordAgeInSeconds value meaning "no limit" (§1.2).
UNLIMITED = -1


class Condition(enum.Enum):
    """Why records were discarded: the ``requestContext.condition`` of §4.2.11."""

    RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
    RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """A stream mapping's error-handling fields (§1.2), defaults as AWS records them."""

    maximum_retry_attempts: int = UNLIMITED
    maximum_record_age_in_seconds: int = UNLIMITED
    bisect_batch_on_function_error: bool = False

    def exhausted(self, retries: int) -> bool:
        """Whether ``retries`` retries are more than MaximumRetryAttempts allows (§4.2.4)."""
        limit = self.maximum_retry_attempts
        return limit != UNLIMITED and retries > limit

    def expired_prefix(self, arrivals: Sequence[float], now: float) -> int:
        """How many leading records are older than MaximumRecordAgeInSeconds at ``now``.

        Records of a shard arrive in order, so the expired ones lead the batch (§4.2.5).
        """
        limit = self.maximum_record_age_in_seconds
        if limit == UNLIMITED:
            return 0
        count = 0
        for arrival in arrivals:
            if now - arrival <= limit:
                break
            count += 1
        return count


@dataclass(frozen=True, slots=True)
class Attempt:
    """The history of the records of one batch across its invocations.

    ``invocations`` counts every invocation that carried these records (the on-failure
    record's ``approximateInvokeCount``, §4.2.13); ``retries`` counts the retries that used
    up MaximumRetryAttempts. Halves of a split inherit both; a restart keeps both too
    (:mod:`~headrace.esm.streams.retry_book`).
    """

    invocations: int = 0
    retries: int = 0
    request_id: str | None = None  # the last invocation's
    function_error: str | None = None  # the last failed invocation's (§4.2.12)

    def invoked(self, request_id: str) -> Attempt:
        """This history after one more invocation."""
        return Attempt(self.invocations + 1, self.retries, request_id, self.function_error)


@dataclass(frozen=True, slots=True)
class Span:
    """Records ``[start, stop)`` of the batch, to be invoked again with ``attempt``."""

    start: int
    stop: int
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class Discard:
    """Records ``[start, stop)`` of the batch that are given up on, and why."""

    start: int
    stop: int
    condition: Condition
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a batch after one invocation.

    The first ``processed`` records are done; ``retry`` spans are invoked next, in order,
    before anything after them; ``discard`` (if any) goes to the on-failure destination.
    Together they cover every record of the batch exactly once.
    """

    processed: int
    retry: tuple[Span, ...] = ()
    discard: Discard | None = None


@dataclass(frozen=True, slots=True)
class Invoked:
    """One invocation's outcome, as the policy needs it."""

    kind: OutcomeKind
    first_failed: int | None = None  # PARTIAL: index of the lowest reported record
    function_error: str | None = None  # "Unhandled", or None for an invalid response


def decide(policy: RetryPolicy, size: int, invoked: Invoked, attempt: Attempt) -> Decision:
    """The decision for a batch of ``size`` records; ``attempt`` includes this invocation."""
    if invoked.kind is OutcomeKind.SUCCESS:
        return Decision(processed=size)
    failed = Attempt(
        attempt.invocations, attempt.retries, attempt.request_id, invoked.function_error
    )
    if invoked.kind is OutcomeKind.PARTIAL:
        start = invoked.first_failed or 0
        split = policy.bisect_batch_on_function_error and start > 0
        return _retry_or_discard(policy, start, size, failed, counts=not split)
    if policy.bisect_batch_on_function_error and size > 1:
        middle = (size + 1) // 2
        return Decision(processed=0, retry=(Span(0, middle, failed), Span(middle, size, failed)))
    return _retry_or_discard(policy, 0, size, failed, counts=True)


def _retry_or_discard(
    policy: RetryPolicy, start: int, stop: int, attempt: Attempt, *, counts: bool
) -> Decision:
    retries = attempt.retries + 1 if counts else attempt.retries
    after = Attempt(attempt.invocations, retries, attempt.request_id, attempt.function_error)
    if policy.exhausted(retries):
        discard = Discard(start, stop, Condition.RETRY_ATTEMPTS_EXHAUSTED, after)
        return Decision(processed=start, discard=discard)
    return Decision(processed=start, retry=(Span(start, stop, after),))
