"""Interpreting a function's result for its batch (§3.5, §3.4.1, §4.2.12, §4.2.17).

Recorded cases come from /work/shared/reference/aws-recordings; each parametrize id names the
snapshot entry it reproduces.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace.esm.outcome import (
    FUNCTION_ERROR_UNHANDLED,
    BatchOutcome,
    OutcomeKind,
    fifo_hold_back,
    interpret,
)
from headrace.functions.function_seam import InvocationResult, InvocationStatus

IDS = ("seq-1", "seq-2", "seq-3")


def returned(value: Any) -> InvocationResult:
    """A successful invocation whose handler returned ``value``."""
    return InvocationResult("req-1", InvocationStatus.SUCCESS, payload=json.dumps(value).encode())


def raw(payload: bytes) -> InvocationResult:
    """A successful invocation with exactly ``payload`` as its response bytes."""
    return InvocationResult("req-1", InvocationStatus.SUCCESS, payload=payload)


def reporting(result: InvocationResult, ids: tuple[str, ...] = IDS) -> BatchOutcome:
    return interpret(result, ids, report_batch_item_failures=True)


def failures(*ids: Any) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}


# --- Recorded matrices ----------------------------------------------------------------------

SUCCESS_RECORDED = [
    ("empty_string_success", ""),
    ("empty_list_success", []),
    ("null_success", None),
    ("empty_dict_success", {}),
    ("empty_batch_item_failure_success", {"batchItemFailures": []}),
    ("null_batch_item_failure_success", {"batchItemFailures": None}),
]


@pytest.mark.parametrize(
    "response", [c[1] for c in SUCCESS_RECORDED], ids=[c[0] for c in SUCCESS_RECORDED]
)
def test_recorded_complete_success_responses(response: Any) -> None:
    """§3.5.3: test_kinesis/dynamodb_report_batch_item_success_scenarios[<entry>]."""
    assert reporting(returned(response)) == BatchOutcome(OutcomeKind.SUCCESS, (), None, "OK")


FAILURE_RECORDED = [
    ("item_identifier_not_present_failure", failures(123)),
    ("empty_string_item_identifier_failure", failures("")),
    ("null_item_identifier_failure", failures(None)),
    ("invalid_key_foo_failure", {"batchItemFailures": [{"foo": 123}]}),
    ("invalid_key_foo_null_value_failure", {"batchItemFailures": [{"foo": None}]}),
    ("invalid_result_json_batch_fails (SQS)", {"batchItemFailures": [{"foo": "notvalid"}]}),
]


@pytest.mark.parametrize(
    "response", [c[1] for c in FAILURE_RECORDED], ids=[c[0] for c in FAILURE_RECORDED]
)
def test_recorded_invalid_responses_fail_the_whole_batch(response: Any) -> None:
    """§3.5.4: test_kinesis/dynamodb_report_batch_item_failure_scenarios[<entry>]."""
    outcome = reporting(returned(response))
    assert (outcome.kind, outcome.failed_ids) == (OutcomeKind.FAILURE, IDS)


@pytest.mark.parametrize(
    "response", [c[1] for c in FAILURE_RECORDED], ids=[c[0] for c in FAILURE_RECORDED]
)
def test_recorded_invalid_response_is_not_a_function_error(response: Any) -> None:
    """§4.2.12: the recorded destination record has responseContext.functionError null."""
    assert reporting(returned(response)).function_error is None


def test_recorded_unhandled_exception_is_function_error_unhandled() -> None:
    """§4.2.12: ..._failure_scenarios[unhandled_exception_in_function] → "Unhandled"."""
    error = {"errorType": "ZeroDivisionError", "errorMessage": "division by zero"}
    result = InvocationResult("req-1", InvocationStatus.HANDLER_ERROR, error=error)
    outcome = reporting(result)
    assert (outcome.kind, outcome.failed_ids, outcome.function_error) == (
        OutcomeKind.FAILURE,
        IDS,
        "Unhandled",
    )


def test_recorded_kinesis_partial_failure_reports_the_failing_record() -> None:
    """§3.5.6: test_kinesis_report_batch_item_failures — the last of 3 records reported."""
    outcome = reporting(returned(failures("seq-3")))
    assert (outcome.kind, outcome.failed_ids, outcome.function_error) == (
        OutcomeKind.PARTIAL,
        ("seq-3",),
        None,
    )


def test_recorded_sqs_partial_failure_lists_reported_messages() -> None:
    """§3.5.5: test_report_batch_item_failures — m2, m3, m4 reported of m1..m4."""
    ids = ("m1", "m2", "m3", "m4")
    outcome = reporting(returned(failures("m2", "m3", "m4")), ids)
    assert (outcome.kind, outcome.failed_ids) == (OutcomeKind.PARTIAL, ("m2", "m3", "m4"))


# --- Function errors (§4.2.17) --------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        InvocationStatus.HANDLER_ERROR,
        InvocationStatus.TIMEOUT,
        InvocationStatus.CRASHED,
        InvocationStatus.INIT_ERROR,
    ],
)
@pytest.mark.parametrize("report", [True, False])
def test_every_error_status_fails_the_batch_as_unhandled(
    status: InvocationStatus, report: bool
) -> None:
    """§4.2.17: raise, timeout, crash and init error are all function errors."""
    outcome = interpret(InvocationResult("r", status), IDS, report_batch_item_failures=report)
    assert (outcome.kind, outcome.failed_ids, outcome.function_error) == (
        OutcomeKind.FAILURE,
        IDS,
        FUNCTION_ERROR_UNHANDLED,
    )


def test_payload_too_large_fails_the_batch_without_function_error() -> None:
    """§4.2.17: an invoke rejected before the handler ran is not a function error."""
    result = InvocationResult("r", InvocationStatus.PAYLOAD_TOO_LARGE)
    outcome = reporting(result)
    assert (outcome.kind, outcome.failed_ids, outcome.function_error) == (
        OutcomeKind.FAILURE,
        IDS,
        None,
    )


def test_function_error_reason_names_the_error() -> None:
    """§4.2.17: the reason carries the handler's errorType and errorMessage for logs."""
    error = {"errorType": "KeyError", "errorMessage": "'id'"}
    result = InvocationResult("r", InvocationStatus.HANDLER_ERROR, error=error)
    assert reporting(result).reason == "function error (Unhandled): KeyError: 'id'"


# --- Feature off (§3.5.1) -------------------------------------------------------------------


@pytest.mark.parametrize("payload", [json.dumps(failures("seq-1")).encode(), b"not json", b'"OK"'])
def test_without_report_batch_item_failures_any_response_is_success(payload: bytes) -> None:
    """§3.5.1: the list is ignored unless ReportBatchItemFailures is on (even non-JSON)."""
    outcome = interpret(raw(payload), IDS, report_batch_item_failures=False)
    assert outcome == BatchOutcome(OutcomeKind.SUCCESS, (), None, "OK")


# --- Feature on: more shapes (§3.5.3, §3.5.4) -----------------------------------------------


def test_invalid_json_fails_the_batch() -> None:
    """§3.5.4: an invalid JSON response is a complete failure."""
    outcome = reporting(raw(b"{not json"))
    assert (outcome.kind, outcome.failed_ids, outcome.function_error) == (
        OutcomeKind.FAILURE,
        IDS,
        None,
    )


def test_identifier_not_in_batch_fails_the_batch() -> None:
    """§3.5.4: an itemIdentifier that is not in the batch is a complete failure."""
    assert reporting(returned(failures("seq-1", "seq-9"))).kind is OutcomeKind.FAILURE


@pytest.mark.parametrize("entries", ["seq-1", {"itemIdentifier": "seq-1"}, 1])
def test_batch_item_failures_that_is_not_a_list_fails_the_batch(entries: Any) -> None:
    """§3.5.4: batchItemFailures must be an array."""
    assert reporting(returned({"batchItemFailures": entries})).kind is OutcomeKind.FAILURE


def test_entry_that_is_not_an_object_fails_the_batch() -> None:
    """§3.5.4: each batchItemFailures entry must be an object with itemIdentifier."""
    assert reporting(returned({"batchItemFailures": ["seq-1"]})).kind is OutcomeKind.FAILURE


@pytest.mark.parametrize("response", ["OK", 1, True, [{"itemIdentifier": "seq-1"}]])
def test_non_object_response_that_is_not_empty_fails_the_batch(response: Any) -> None:
    """§3.5.4 (headrace's choice): a response that is neither empty nor an object is invalid."""
    assert reporting(returned(response)).kind is OutcomeKind.FAILURE


def test_object_without_batch_item_failures_is_success() -> None:
    """§3.5.3: an object without batchItemFailures is an empty response."""
    assert reporting(returned({"status": "done"})).kind is OutcomeKind.SUCCESS


def test_duplicates_are_reported_once_in_batch_order() -> None:
    """§3.5.4: duplicate identifiers collapse; failed ids follow the batch order."""
    outcome = reporting(returned(failures("seq-3", "seq-1", "seq-3")))
    assert outcome.failed_ids == ("seq-1", "seq-3")


def test_identifier_must_match_exactly() -> None:
    """§3.5.2: identifiers are compared as strings, exactly."""
    assert reporting(returned(failures(" seq-1"))).kind is OutcomeKind.FAILURE


# --- Tumbling windows (§3.4.1) --------------------------------------------------------------


def window(result: InvocationResult, *, report: bool = False) -> BatchOutcome:
    return interpret(result, IDS, report_batch_item_failures=report, tumbling_window=True)


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, {"state": None}, []])
def test_window_response_without_state_fails_the_batch(response: Any) -> None:
    """§3.4.1: a tumbling-window response without state is a failed invocation."""
    outcome = window(returned(response))
    assert (outcome.kind, outcome.failed_ids, outcome.function_error) == (
        OutcomeKind.FAILURE,
        IDS,
        None,
    )


def test_window_response_state_is_returned() -> None:
    """§3.4.2: the state the function returned is carried to the next invocation."""
    outcome = window(returned({"state": {"1": 282}}))
    assert (outcome.kind, outcome.state) == (OutcomeKind.SUCCESS, {"1": 282})


def test_window_partial_response_keeps_state() -> None:
    """§3.4: TimeWindowEventResponse carries state and batchItemFailures together."""
    outcome = window(returned({"state": {"n": 1}, **failures("seq-2")}), report=True)
    assert (outcome.kind, outcome.failed_ids, outcome.state) == (
        OutcomeKind.PARTIAL,
        ("seq-2",),
        {"n": 1},
    )


def test_window_without_report_ignores_failures_list() -> None:
    """§3.5.1: without ReportBatchItemFailures the window response's list is ignored."""
    outcome = window(returned({"state": {}, **failures("seq-2")}))
    assert outcome.kind is OutcomeKind.SUCCESS


# --- FIFO hold-back (§3.5.8) ----------------------------------------------------------------

FIFO = [("m1", "A"), ("m2", "A"), ("m3", "B"), ("m4", "A"), ("m5", "B")]


def test_fifo_success_holds_nothing() -> None:
    """§3.5.8: a successful batch deletes everything."""
    assert fifo_hold_back(BatchOutcome(OutcomeKind.SUCCESS, (), None, "OK"), FIFO) == frozenset()


def test_fifo_partial_holds_failed_and_later_messages_of_its_group() -> None:
    """§3.5.8 (headrace keeps order): later messages of a failed group are not deleted."""
    outcome = BatchOutcome(OutcomeKind.PARTIAL, ("m2",), None, "1 failed")
    assert fifo_hold_back(outcome, FIFO) == {"m2", "m4"}


def test_fifo_failure_holds_every_message() -> None:
    """§3.5.4: a failed batch keeps every message."""
    ids = tuple(m for m, _ in FIFO)
    outcome = BatchOutcome(OutcomeKind.FAILURE, ids, "Unhandled", "error")
    assert fifo_hold_back(outcome, FIFO) == frozenset(ids)


@given(st.lists(st.sampled_from("ABC"), max_size=12), st.data())
def test_fifo_hold_back_never_deletes_after_a_held_message_of_the_group(
    groups: list[str], data: st.DataObject
) -> None:
    """§3.5.8: within each group the held messages are a suffix, and every failure is held."""
    messages = [(f"m{i}", g) for i, g in enumerate(groups)]
    failed = data.draw(
        st.lists(st.sampled_from([m for m, _ in messages]), unique=True)
        if messages
        else st.just([])
    )
    ordered = tuple(m for m, _ in messages if m in failed)
    held = fifo_hold_back(BatchOutcome(OutcomeKind.PARTIAL, ordered, None, "p"), messages)
    assert set(failed) <= held
    for group in set(groups):
        flags = [m in held for m, g in messages if g == group]
        assert flags == sorted(flags)
