"""What one invocation's result means for its batch: success, partial failure or failure.

:func:`interpret` reads an
:class:`~headrace.functions.function_seam.InvocationResult` the way Lambda reads a function's
response (§3.5, §3.4.1, §4.2.17):

* any function error (raised, timed out, crashed, failed to load) fails the whole batch,
  with ``function_error = "Unhandled"`` (§4.2.12); an invoke that never reached the handler
  (payload over the quota) fails it with ``function_error = None``;
* without ``ReportBatchItemFailures`` any response is complete success, the list ignored —
  headrace does not even parse it, so a response that is not JSON is a success too (§3.5.1);
* with it, empty responses (``null``, ``""``, ``[]``, ``{}``, ``{"batchItemFailures":
  null}`` or ``[]``) are complete success (§3.5.3) and anything malformed fails the whole
  batch with ``function_error = None`` (§3.5.4);
* with a tumbling window the response must carry a non-null ``state`` (§3.4.1).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from headrace.functions.function_seam import InvocationResult, InvocationStatus

# Lambda's functionError for every failure where the function ran and errored (§4.2.12);
# timeouts, crashes and init errors are reported the same way (UNCONFIRMED for timeouts).
FUNCTION_ERROR_UNHANDLED = "Unhandled"
# Statuses where the handler never ran: the batch failed but it is not a function error
# (Lambda's Invoke API rejected the request; counted as FailedInvokeEventCount, §4.2.17).
_INVOKE_FAILURES = frozenset({InvocationStatus.PAYLOAD_TOO_LARGE})
# Longest error text copied from a handler's error into ``reason`` (logs, status).
_REASON_DETAIL_LIMIT = 200


class OutcomeKind(enum.Enum):
    """How a batch ended."""

    SUCCESS = "Success"  # every record processed
    PARTIAL = "Partial"  # the function reported some records failed (failed_ids)
    FAILURE = "Failure"  # the whole batch failed: function error or invalid response


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """The meaning of one invocation for its batch.

    ``failed_ids`` holds the reported ids in batch order (PARTIAL), every id (FAILURE), or
    nothing (SUCCESS). ``state`` is the tumbling-window state the function returned.
    """

    kind: OutcomeKind
    failed_ids: tuple[str, ...]
    function_error: str | None
    reason: str
    state: Any | None = None


def interpret(
    result: InvocationResult,
    item_ids: Sequence[str],
    *,
    report_batch_item_failures: bool,
    tumbling_window: bool = False,
) -> BatchOutcome:
    """Classify ``result`` for the batch whose identifiers are ``item_ids``, in order.

    ``item_ids`` are SQS ``messageId`` values or stream sequence numbers (§3.5.2). Never
    raises: whatever the function returned, the answer is an outcome.
    """
    ids = tuple(item_ids)
    if result.status in _INVOKE_FAILURES:
        return BatchOutcome(
            OutcomeKind.FAILURE, ids, None, f"invoke failed ({result.status.value})"
        )
    if not result.ok:
        return _function_error(result, ids)
    if not (report_batch_item_failures or tumbling_window):
        return BatchOutcome(OutcomeKind.SUCCESS, (), None, "OK")
    try:
        response = msgspec.json.decode(result.payload if result.payload is not None else b"null")
    except msgspec.DecodeError:
        return _invalid(ids, "the function's response is not valid JSON")
    state = None
    if tumbling_window:
        state = response.get("state") if type(response) is dict else None
        if state is None:
            return _invalid(ids, "the tumbling-window response has no state")
    if not report_batch_item_failures:
        return BatchOutcome(OutcomeKind.SUCCESS, (), None, "OK", state)
    return _partial_response(response, ids, state)


def _function_error(result: InvocationResult, ids: tuple[str, ...]) -> BatchOutcome:
    error = result.error or {}
    detail = ": ".join(
        str(error[key]) for key in ("errorType", "errorMessage") if error.get(key) is not None
    )
    reason = f"function error ({result.status.value})"
    if detail:
        reason = f"{reason}: {detail[:_REASON_DETAIL_LIMIT]}"
    return BatchOutcome(OutcomeKind.FAILURE, ids, FUNCTION_ERROR_UNHANDLED, reason)


def _invalid(ids: tuple[str, ...], reason: str) -> BatchOutcome:
    return BatchOutcome(OutcomeKind.FAILURE, ids, None, f"invalid response: {reason}")


def _partial_response(response: Any, ids: tuple[str, ...], state: Any) -> BatchOutcome:
    """Read ``batchItemFailures`` (§3.5.3, §3.5.4)."""
    entries = _failure_entries(response)
    if isinstance(entries, str):
        return _invalid(ids, entries)
    in_batch = frozenset(ids)
    reported: set[str] = set()
    for entry in entries:
        problem = _entry_problem(entry, in_batch)
        if problem is not None:
            return _invalid(ids, problem)
        reported.add(entry["itemIdentifier"])
    if not reported:
        return BatchOutcome(OutcomeKind.SUCCESS, (), None, "OK", state)
    failed = tuple(item for item in ids if item in reported)
    reason = f"{len(failed)} of {len(ids)} items reported as failed"
    return BatchOutcome(OutcomeKind.PARTIAL, failed, None, reason, state)


def _failure_entries(response: Any) -> list[Any] | str:
    """The ``batchItemFailures`` list, or the reason the response has none that is valid."""
    if type(response) is dict:
        entries = response.get("batchItemFailures")
        if entries is None:
            return []
        if type(entries) is not list:
            return "batchItemFailures is not an array"
        return entries
    # null, "" and [] also mean "nothing failed" (recorded for streams, §3.5.3).
    if response is None or (type(response) in (str, list) and not response):
        return []
    return "the response is not a batchItemFailures object"


def _entry_problem(entry: Any, in_batch: frozenset[str]) -> str | None:
    """Why one ``batchItemFailures`` entry fails the batch, or None if it is valid."""
    if type(entry) is not dict:
        return "a batchItemFailures entry is not an object"
    if "itemIdentifier" not in entry:
        return "a batchItemFailures entry has no itemIdentifier"
    identifier = entry["itemIdentifier"]
    if type(identifier) is not str:
        return f"itemIdentifier {identifier!r} is not a string"
    if not identifier:
        return "itemIdentifier is empty"
    if identifier not in in_batch:
        return f"itemIdentifier {identifier!r} is not in the batch"
    return None


def fifo_hold_back(
    outcome: BatchOutcome, messages_in_order: Sequence[tuple[str, str]]
) -> frozenset[str]:
    """Message ids a FIFO queue must keep (not delete) so no group's order is broken.

    ``messages_in_order`` holds ``(message_id, group_id)`` pairs in batch order. The answer
    is every failed id plus every later message of a group that had a failure. AWS deletes
    those later messages (§3.5.8), which lets a group run out of order; headrace keeps them
    for the retry. Empty for a SUCCESS outcome.
    """
    if outcome.kind is OutcomeKind.SUCCESS:
        return frozenset()
    failed = set(outcome.failed_ids)
    blocked_groups: set[str] = set()
    held: set[str] = set()
    for message_id, group_id in messages_in_order:
        if message_id in failed:
            blocked_groups.add(group_id)
            held.add(message_id)
        elif group_id in blocked_groups:
            held.add(message_id)
    return frozenset(held)
