"""Handlers that hang, kill their process, or cannot be loaded: function errors, no losses."""

from __future__ import annotations

import json

import pytest

from headrace.functions.function_seam import InvocationStatus


async def test_handler_past_timeout_is_killed_and_reported_as_timeout(
    make_runtime, invoke_once, process_gone, tmp_path
):
    """§4.2.17: a timeout is a function error; the worker is killed at Timeout."""
    runtime = make_runtime("handlers.hang", timeout=1)
    pidfile = tmp_path / "worker.pid"
    result = await invoke_once(runtime, {"pidfile": str(pidfile)}, request_id="req-slow")
    assert result.status is InvocationStatus.TIMEOUT
    assert result.error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: req-slow Error: Task timed out after 1.00 seconds",
    }
    assert result.duration_ms >= 1000
    assert process_gone(int(pidfile.read_text()))
    assert runtime.statistics().workers == 0


async def test_timeout_kills_the_processes_the_handler_started(
    make_runtime, invoke_once, process_gone, tmp_path
):
    """A timeout kills the worker's whole process group, not just the worker."""
    runtime = make_runtime("handlers.hang", timeout=1)
    child_file = tmp_path / "child.pid"
    await invoke_once(runtime, {"child": str(child_file)})
    # The child shares the worker's log pipe; the invocation ends once that pipe closed.
    assert process_gone(int(child_file.read_text()))


async def test_worker_is_replaced_after_a_timeout(make_runtime, invoke_once, tmp_path):
    """After a timeout the next invocation runs on a new worker and succeeds."""
    runtime = make_runtime("handlers.hang", timeout=1)
    pidfile = tmp_path / "worker.pid"
    await invoke_once(runtime, {"pidfile": str(pidfile)})
    result = await invoke_once(runtime, {"hang": False})
    assert result.ok
    assert json.loads(result.payload) != int(pidfile.read_text())


async def test_os_exit_is_a_crash_with_lambdas_exit_error(make_runtime, invoke_once):
    """§4.2.17: a handler that exits its process is Runtime.ExitError, a function error."""
    runtime = make_runtime("handlers.exit3")
    result = await invoke_once(runtime, request_id="req-exit")
    assert result.status is InvocationStatus.CRASHED
    assert result.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "RequestId: req-exit Error: Runtime exited with error: exit status 3",
    }


async def test_sys_exit_in_a_handler_is_a_crash(make_runtime, invoke_once):
    """sys.exit() ends the runtime process, as on Lambda: Runtime.ExitError."""
    runtime = make_runtime("handlers.sys_exit")
    result = await invoke_once(runtime, request_id="req-sys")
    assert result.status is InvocationStatus.CRASHED
    assert result.error["errorMessage"].endswith("exit status 2")


async def test_segfault_is_a_crash_naming_the_signal(make_runtime, invoke_once):
    """§4.2.17: a segfaulting handler is a function error: 'signal: segmentation fault'."""
    runtime = make_runtime("handlers.segfault")
    result = await invoke_once(runtime, request_id="req-segv")
    assert result.status is InvocationStatus.CRASHED
    assert result.error["errorMessage"] == (
        "RequestId: req-segv Error: Runtime exited with error: signal: segmentation fault"
    )


async def test_crashed_worker_is_replaced_by_the_next_invocation(make_runtime, invoke_once):
    """A dead worker is discarded; the next invocation starts a new process."""
    runtime = make_runtime("handlers.exit3")
    await invoke_once(runtime)
    assert runtime.statistics().workers == 0
    second = await invoke_once(runtime)
    assert second.status is InvocationStatus.CRASHED  # it ran (and crashed) on a new worker
    assert runtime.statistics().invocations == 2


async def test_missing_module_fails_every_invocation_with_import_module_error(
    make_runtime, invoke_once
):
    """A handler module that cannot be imported fails each invocation; nothing crashes."""
    runtime = make_runtime("no_such_module.handler")
    results = [await invoke_once(runtime, request_id=f"req-{i}") for i in range(2)]
    for i, result in enumerate(results):
        assert result.status is InvocationStatus.INIT_ERROR
        assert result.error == {
            "errorMessage": "Unable to import module 'no_such_module': "
            "No module named 'no_such_module'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": f"req-{i}",
            "stackTrace": [],
        }
    assert runtime.statistics().errors == 2


async def test_missing_function_is_handler_not_found(make_runtime, invoke_once):
    """A module without the named function gives Runtime.HandlerNotFound."""
    runtime = make_runtime("handlers.nope")
    result = await invoke_once(runtime)
    assert result.status is InvocationStatus.INIT_ERROR
    assert result.error["errorType"] == "Runtime.HandlerNotFound"
    assert result.error["errorMessage"] == "Handler 'nope' missing on module 'handlers'"


async def test_syntax_error_in_module_is_user_code_syntax_error(make_runtime, invoke_once):
    """A module with a syntax error gives Runtime.UserCodeSyntaxError."""
    runtime = make_runtime("broken_syntax.handler")
    result = await invoke_once(runtime)
    assert result.status is InvocationStatus.INIT_ERROR
    assert result.error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert result.error["errorMessage"].startswith("Syntax error in module 'broken_syntax'")


async def test_module_raising_at_import_is_an_init_error_named_by_the_exception(
    make_runtime, invoke_once
):
    """A module that raises while imported fails with that exception's type and message."""
    runtime = make_runtime("raises_on_import.handler")
    result = await invoke_once(runtime)
    assert result.status is InvocationStatus.INIT_ERROR
    assert (result.error["errorType"], result.error["errorMessage"]) == (
        "RuntimeError",
        "cannot start",
    )


async def test_malformed_handler_string(make_runtime, invoke_once):
    """A Handler without a dot gives Runtime.MalformedHandlerName."""
    runtime = make_runtime("handlers")
    result = await invoke_once(runtime)
    assert result.error["errorType"] == "Runtime.MalformedHandlerName"


async def test_init_error_is_retried_by_a_fresh_import(make_runtime, invoke_once, code_dir):
    """As Lambda re-runs init after an init failure, a fixed module loads on the next try."""
    runtime = make_runtime("late.handler")
    assert (await invoke_once(runtime)).status is InvocationStatus.INIT_ERROR
    (code_dir / "late.py").write_text("def handler(event, context):\n    return 'loaded'\n")
    result = await invoke_once(runtime)
    assert result.ok
    assert json.loads(result.payload) == "loaded"


@pytest.mark.parametrize(
    ("handler", "file"),
    [
        ("kinesis-consumer-fn.lambda_handler", "kinesis-consumer-fn.py"),
        ("dir/sub-mod.handler", "dir/sub-mod.py"),
    ],
)
async def test_hyphenated_module_files_load_as_on_lambda(
    make_runtime, invoke_once, code_dir, handler, file
):
    """awslambdaric imports the module by file name: hyphens and folders load."""
    path = code_dir / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "def handler(event, context):\n    return 'loaded'\n\n\nlambda_handler = handler\n"
    )
    result = await invoke_once(make_runtime(handler))
    assert result.ok
    assert json.loads(result.payload) == "loaded"
