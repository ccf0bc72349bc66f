"""Invoke, GetFunction and ListFunctions of the declared functions, through boto3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from endpoint_support import running_headrace
from lambda_support import call, logged, project, wait_for

pytestmark = pytest.mark.timeout(120)
FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"


async def test_request_response_returns_the_handlers_result(tmp_path: Path) -> None:
    """Invoke (RequestResponse): 200, the handler's return value, ExecutedVersion $LATEST;
    a function ARN names the function as its name does."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        answer = await call(lam.invoke, FunctionName=FN_ARN, Payload=b'{"a": 1}')
        assert answer["StatusCode"] == 200
        assert json.loads(answer["Payload"].read()) == {"echo": {"a": 1}}
        assert answer["ExecutedVersion"] == "$LATEST"
        assert "FunctionError" not in answer


async def test_a_function_error_is_unhandled_with_lambdas_error_payload(tmp_path: Path) -> None:
    """Invoke of a raising handler: 200, X-Amz-Function-Error Unhandled, and the payload
    {"errorMessage", "errorType", "stackTrace"}."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        answer = await call(lam.invoke, FunctionName="fn", Payload=b'{"boom": true}')
        assert answer["StatusCode"] == 200
        assert answer["FunctionError"] == "Unhandled"
        headers = answer["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amz-function-error"] == "Unhandled"
        error = json.loads(answer["Payload"].read())
        assert error["errorMessage"] == "boom asked"
        assert error["errorType"] == "ValueError"
        assert isinstance(error["stackTrace"], list)


async def test_event_answers_202_and_runs_later_and_dry_run_answers_204(tmp_path: Path) -> None:
    """Invoke (Event): 202 at once, the handler runs; DryRun: 204, the handler does not."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        dry = await call(lam.invoke, FunctionName="fn", InvocationType="DryRun", Payload=b"{}")
        assert dry["StatusCode"] == 204
        queued = await call(
            lam.invoke, FunctionName="fn", InvocationType="Event", Payload=b'{"e": 1}'
        )
        assert queued["StatusCode"] == 202
        await wait_for(lambda: logged(tmp_path) == [{"e": 1}], "the Event invocation to run")


async def test_invoke_errors_are_lambdas(tmp_path: Path) -> None:
    """Invoke of an unknown function is ResourceNotFoundException "Function not found: <arn>"
    (404); a payload that is not JSON is InvalidRequestContentException (400); one over
    6 MB is RequestTooLargeException (413)."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        with pytest.raises(lam.exceptions.ResourceNotFoundException) as missing:
            await call(lam.invoke, FunctionName="nope", Payload=b"{}")
        assert missing.value.response["Error"]["Message"] == (
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
        )
        assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        with pytest.raises(lam.exceptions.InvalidRequestContentException):
            await call(lam.invoke, FunctionName="fn", Payload=b"{not json")
        with pytest.raises(lam.exceptions.RequestTooLargeException) as large:
            await call(
                lam.invoke, FunctionName="fn", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"'
            )
        assert large.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


async def test_a_function_at_its_concurrency_limit_throttles(tmp_path: Path) -> None:
    """Invoke of a function whose ReservedConcurrentExecutions are all busy is
    TooManyRequestsException (429), as Lambda throttles."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        for _ in range(2):  # fn2 has two units of concurrency: both held
            await call(
                lam.invoke, FunctionName="fn2", InvocationType="Event", Payload=b'{"hold": true}'
            )
        await wait_for(lambda: logged(tmp_path).count("holding") == 2, "both to be held")
        with pytest.raises(lam.exceptions.TooManyRequestsException) as throttled:
            await call(lam.invoke, FunctionName="fn2", Payload=b"{}")
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        (tmp_path / "release").write_text("")


async def test_get_function_describes_a_declared_function(tmp_path: Path) -> None:
    """GetFunction: the configuration (name, ARN, handler, timeout, memory, environment,
    $LATEST), the code's location and the reserved concurrency; unknown: 404."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        got = await call(lam.get_function, FunctionName="fn2")
        configuration = got["Configuration"]
        assert configuration["FunctionName"] == "fn2"
        assert configuration["FunctionArn"] == FN_ARN + "2"
        assert (configuration["Handler"], configuration["Timeout"]) == ("h.handle", 5)
        assert configuration["MemorySize"] == 128
        assert configuration["Version"] == "$LATEST"
        assert configuration["Environment"]["Variables"]["LOG"] == str(tmp_path / "log.jsonl")
        assert got["Code"]["Location"] == (tmp_path / "src").resolve().as_uri()
        assert got["Concurrency"] == {"ReservedConcurrentExecutions": 2}
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            await call(lam.get_function, FunctionName="nope")


async def test_list_functions_pages_through_the_declared_functions(tmp_path: Path) -> None:
    """ListFunctions: every declared function, by name; MaxItems pages with NextMarker."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        first = await call(lam.list_functions, MaxItems=1)
        assert [f["FunctionName"] for f in first["Functions"]] == ["fn"]
        rest = await call(lam.list_functions, Marker=first["NextMarker"])
        assert [f["FunctionName"] for f in rest["Functions"]] == ["fn2"]
        assert "NextMarker" not in rest
        pages = lam.get_paginator("list_functions").paginate()
        names = await call(lambda: [f["FunctionName"] for p in pages for f in p["Functions"]])
        assert names == ["fn", "fn2"]
