"""One invocation of a lane: choose the batch, drop expired records, invoke, apply the policy.

The batch is the lane's oldest retry, else the open window's final invocation when it is due
(§3.4.4), else a new batch from the lane's records (§2). Before invoking, leading records
older than MaximumRecordAgeInSeconds are discarded (§4.2.5); after it,
:func:`~headrace.esm.streams.policy.decide` says which records are processed, retried or
discarded (§3.5.6, §4.2). Processed records are settled at once, or — in a tumbling window —
held until the window's final invocation succeeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headrace.esm.outcome import BatchOutcome, OutcomeKind, interpret
from headrace.esm.streams.ledger import Entry
from headrace.esm.streams.policy import Attempt, Condition, Decision, Invoked, decide
from headrace.esm.streams.stream_batch import payload_budget, take_batch
from headrace.esm.streams.windows import OpenWindow, records_payload, window_payload
from headrace.functions.function_seam import InvocationResult, Slot
from headrace.retry import Backoff

if TYPE_CHECKING:
    from headrace.esm.streams.lane import Lane

# Waits after a failed invocation before the retry that uses up an attempt: doubling from
# the first value up to the cap, so a shard blocked by MaximumRetryAttempts -1 does not spin.
# A bisection or a partial success retries at once (it made progress).
RETRY_BACKOFF = Backoff(base=0.1, cap=5.0)


@dataclass(slots=True)
class Segment:
    """Records to invoke together, with their history (a new batch or a retry)."""

    entries: list[Entry]
    attempt: Attempt


def backoff_seconds(retries: int) -> float:
    """The wait before a retry that used up attempt number ``retries`` (1, 2, ...)."""
    if retries <= 0:
        return 0.0
    return RETRY_BACKOFF.delay(retries)


async def run_one(lane: Lane, slot: Slot) -> None:
    """Make the lane's next invocation (nothing if it has nothing to do)."""
    if lane.retries:
        await _invoke_segment(lane, lane.retries.popleft(), slot)
    elif lane.window_due():
        await _final_invoke(lane, slot)
    elif lane.pending:
        await _invoke_segment(lane, _new_batch(lane), slot)


def _new_batch(lane: Lane) -> Segment:
    """The next batch from the lane's records; after a restart, a stored failing batch
    resumes with its history (:mod:`~headrace.esm.streams.retry_book`)."""
    rules = lane.ctx.rules
    head = lane.pending[0]
    if rules.tumbling_window_seconds and lane.window is None:
        assert head.window_start is not None
        lane.window = OpenWindow(start=head.window_start, seconds=rules.tumbling_window_seconds)
    state_bytes = lane.window.state_size() if lane.window is not None else None
    size, attempt = rules.batch_size, Attempt()
    book = lane.host.retry_book
    if book.resumable:
        size, attempt = book.resume(lane.pending, size)
    return Segment(take_batch(lane.pending, size, payload_budget(state_bytes)), attempt)


async def _invoke_segment(lane: Lane, segment: Segment, slot: Slot) -> None:
    ctx = lane.ctx
    entries = segment.entries
    first = entries[0].sequence_number
    expired = ctx.rules.policy.expired_prefix([e.arrival for e in entries], ctx.clock.time())
    if expired:
        await _discard(lane, entries[:expired], Condition.RECORD_AGE_EXCEEDED, segment.attempt)
        entries = entries[expired:]
        if not entries:
            lane.host.retry_book.settle(first, ())
            return
    request_id = str(uuid.uuid4())
    attempt = segment.attempt.invoked(request_id)
    window = lane.window
    records = [e.raw for e in entries]
    if window is None:
        payload = records_payload(records)
    else:
        payload = window_payload(
            records, window, shard_id=lane.host.shard_id, stream_arn=ctx.source.arn, final=False
        )
    lane.host.note_sent(entries[-1])
    result = await _invoke(lane, slot, payload, request_id)
    ids = [e.sequence_number for e in entries]
    outcome = interpret(
        result,
        ids,
        report_batch_item_failures=ctx.rules.report_batch_item_failures,
        tumbling_window=window is not None,
    )
    _count(lane, outcome, len(ids))
    first_failed = ids.index(outcome.failed_ids[0]) if outcome.kind is OutcomeKind.PARTIAL else None
    invoked = Invoked(outcome.kind, first_failed, outcome.function_error)
    decision = decide(ctx.rules.policy, len(entries), invoked, attempt)
    await _apply(lane, entries, decision, outcome, segment.attempt, first)


async def _apply(
    lane: Lane,
    entries: list[Entry],
    decision: Decision,
    outcome: BatchOutcome,
    before: Attempt,
    first: str,
) -> None:
    """Settle, retry and discard what ``decision`` says; the batch began at ``first``.

    The checkpoint and the shard's stored retry states change together (no await between
    them), so one write of the checkpoint writer carries both.
    """
    processed = entries[: decision.processed]
    if lane.window is not None and processed:
        lane.window.accept(processed, outcome.state)
    elif processed:
        _settle(lane, processed)
    retried = [Segment(entries[span.start : span.stop], span.attempt) for span in decision.retry]
    lane.retries.extendleft(reversed(retried))
    lane.host.retry_book.settle(first, [(s.entries, s.attempt) for s in retried])
    if decision.discard is not None:
        gone = entries[decision.discard.start : decision.discard.stop]
        await _discard(lane, gone, decision.discard.condition, decision.discard.attempt)
    counted = [s.attempt.retries for s in decision.retry if s.attempt.retries > before.retries]
    if counted:
        lane.retry_at = lane.ctx.clock.monotonic() + backoff_seconds(max(counted))


async def _final_invoke(lane: Lane, slot: Slot) -> None:
    """§3.4.4: the window's last invocation, with its state and no records."""
    ctx = lane.ctx
    window = lane.window
    assert window is not None
    request_id = str(uuid.uuid4())
    attempt = window.final_attempt.invoked(request_id)
    payload = window_payload(
        [], window, shard_id=lane.host.shard_id, stream_arn=ctx.source.arn, final=True
    )
    result = await _invoke(lane, slot, payload, request_id)
    outcome = interpret(
        result,
        [],
        report_batch_item_failures=ctx.rules.report_batch_item_failures,
        tumbling_window=True,
    )
    _count(lane, outcome, 0)
    if outcome.kind is OutcomeKind.SUCCESS:
        lane.window = None
        _settle(lane, window.held)
        return
    failed = Attempt(attempt.invocations, attempt.retries + 1, request_id, outcome.function_error)
    if ctx.rules.policy.exhausted(failed.retries):
        lane.window = None
        await _discard(lane, window.held, Condition.RETRY_ATTEMPTS_EXHAUSTED, failed)
        return
    window.final_attempt = failed
    lane.retry_at = ctx.clock.monotonic() + backoff_seconds(failed.retries)


async def _invoke(lane: Lane, slot: Slot, payload: bytes, request_id: str) -> InvocationResult:
    hooks = lane.ctx.hooks
    hooks.invoke_started()
    lane.host.in_flight += 1
    try:
        return await slot.invoke(payload, request_id=request_id)
    finally:
        hooks.invoke_ended()
        lane.host.in_flight -= 1


def _count(lane: Lane, outcome: BatchOutcome, records: int) -> None:
    """§8.4: Invocations, Errors, InvokedEventCount, FailedInvokeEventCount; §1.3.5."""
    lane.ctx.hooks.batch_invoked(records, outcome)


def _settle(lane: Lane, entries: Sequence[Entry]) -> None:
    lane.host.ledger.settle(entries)
    lane.host.after_settle()


async def _discard(
    lane: Lane, entries: Sequence[Entry], condition: Condition, attempt: Attempt
) -> None:
    """§4.2.7: report the records to the destination, then move the checkpoint past them."""
    records = [e.record for e in entries]
    await lane.ctx.on_failure.discard(lane.host.shard_id, records, condition, attempt)
    _settle(lane, entries)
