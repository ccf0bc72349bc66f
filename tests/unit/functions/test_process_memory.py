"""MemorySize is enforced: a worker over it is killed and the invocation fails as on Lambda."""

from __future__ import annotations

import json
import logging

import pytest

from headrace.functions.function_seam import InvocationStatus

# Far more than MemorySize; bounded so a broken check does not take the machine's memory.
OVER_MB = 1024
# Longer than any allocation here takes: a kill must come from the memory check.
TIMEOUT = 60
OOM = "Error: Runtime exited with error: signal: killed"


def oom_error(request_id: str) -> dict[str, str]:
    return {"errorType": "Runtime.OutOfMemory", "errorMessage": f"RequestId: {request_id} {OOM}"}


async def test_handler_over_memory_size_is_killed_with_lambdas_out_of_memory_error(
    make_runtime, invoke_once, caplog
):
    """§4.2.17: out-of-memory is a function error: Runtime.OutOfMemory, 'signal: killed'."""
    caplog.set_level(logging.INFO, logger="headrace.function.fn")
    runtime = make_runtime("handlers.allocate", memory_size=128, timeout=TIMEOUT)
    result = await invoke_once(runtime, {"mb": OVER_MB}, request_id="req-oom")
    assert result.status is InvocationStatus.CRASHED
    assert result.error == oom_error("req-oom")
    [report] = [r for r in caplog.records if "Runtime.OutOfMemory" in r.getMessage()]
    assert "over its MemorySize of 128 MB" in report.getMessage()
    assert report.aws_request_id == "req-oom"
    assert runtime.statistics().workers == 0


async def test_after_an_out_of_memory_kill_the_next_invocation_runs_on_a_new_worker(
    make_runtime, invoke_once
):
    """Nothing is lost: the retry gets a fresh worker and succeeds if it fits."""
    runtime = make_runtime("handlers.allocate", memory_size=128, timeout=TIMEOUT)
    assert (await invoke_once(runtime, {"mb": OVER_MB})).status is InvocationStatus.CRASHED
    result = await invoke_once(runtime, {"mb": 16})
    assert result.ok
    assert json.loads(result.payload) == 16


async def test_memory_of_the_processes_a_handler_starts_counts(
    make_runtime, invoke_once, gone_soon, tmp_path
):
    """The sandbox holds the handler's children too: a child over the limit kills the worker."""
    runtime = make_runtime("handlers.child_allocates", memory_size=128, timeout=TIMEOUT)
    child = tmp_path / "child.pid"
    result = await invoke_once(runtime, {"mb": 512, "child": str(child)}, request_id="req-c")
    assert result.error == oom_error("req-c")
    assert gone_soon(int(child.read_text()))


async def test_enforcement_can_be_turned_off(make_runtime, invoke_once):
    """enforce_memory: false lets a handler use more than MemorySize."""
    runtime = make_runtime(
        "handlers.allocate", memory_size=128, timeout=TIMEOUT, enforce_memory=False
    )
    result = await invoke_once(runtime, {"mb": 256})
    assert result.ok
    assert json.loads(result.payload) == 256


async def test_a_boto3_handler_fits_in_128_mb(make_runtime, invoke_once):
    """The check measures what Lambda counts: a boto3 client and a working set fit in 128 MB."""
    pytest.importorskip("boto3")
    runtime = make_runtime("handlers.boto3_client", memory_size=128, timeout=TIMEOUT)
    result = await invoke_once(runtime, {"mb": 32, "seconds": 0.5})
    assert result.ok, result.error
    assert json.loads(result.payload)["client"] == "SQS"
