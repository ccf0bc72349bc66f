"""What a handler sees: Lambda's environment, the context object, CodeUri; and its logs."""

from __future__ import annotations

import json
import logging
import re
import sys

LOG_STREAM = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")


async def describe(make_runtime, invoke_once, **fields):
    runtime = make_runtime(
        "handlers.describe",
        name="orders",
        memory_size=256,
        environment={"STAGE": "dev", "AWS_REGION": "overridden?"},
        **fields,
    )
    result = await invoke_once(runtime, request_id="req-env")
    assert result.ok, result.error
    return json.loads(result.payload)


async def test_lambda_environment_variables_are_set(make_runtime, invoke_once, code_dir):
    """design.md Handlers: the AWS_LAMBDA_* variables Lambda's Python runtime sets."""
    env = (await describe(make_runtime, invoke_once))["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "orders"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/orders"
    assert LOG_STREAM.match(env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["_HANDLER"] == "handlers.describe"
    assert env["LAMBDA_TASK_ROOT"] == str(code_dir)
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_python3.{sys.version_info[1]}"
    assert env["TZ"] == ":UTC"


async def test_reserved_variables_win_over_environment_variables(make_runtime, invoke_once):
    """Environment.Variables cannot override Lambda's reserved variables (AWS_REGION)."""
    env = (await describe(make_runtime, invoke_once))["env"]
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"


async def test_environment_variables_are_set_before_the_module_is_imported(
    make_runtime, invoke_once
):
    """Environment.Variables are in place when the handler module's top level runs."""
    described = await describe(make_runtime, invoke_once)
    assert described["env"]["STAGE"] == "dev"
    assert described["stage_at_import"] == "dev"


async def test_code_uri_is_first_on_sys_path_and_the_working_directory(
    make_runtime, invoke_once, code_dir
):
    """CodeUri is on the worker's sys.path (siblings import) and is its cwd."""
    described = await describe(make_runtime, invoke_once)
    assert described["path0"] == str(code_dir)
    assert described["cwd"] == str(code_dir)
    assert described["helper"] == "from CodeUri"


async def test_context_object_fields(make_runtime, invoke_once):
    """design.md Handlers: the context carries Lambda's fields (memory as a string)."""
    described = await describe(make_runtime, invoke_once, timeout=3)
    context = described["context"]
    assert context["function_name"] == "orders"
    assert context["function_version"] == "$LATEST"
    assert (
        context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    )
    assert context["memory_limit_in_mb"] == "256"
    assert context["aws_request_id"] == "req-env"
    assert context["log_group_name"] == "/aws/lambda/orders"
    assert context["log_stream_name"] == described["env"]["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert context["client_context"] is None
    assert context["cognito_identity_id"] is None


async def test_remaining_time_counts_down_from_the_timeout(make_runtime, invoke_once):
    """get_remaining_time_in_millis() is at most Timeout and more than zero at the start."""
    context = (await describe(make_runtime, invoke_once, timeout=3))["context"]
    assert 0 < context["remaining"] <= 3000


async def test_handler_output_reaches_the_log_tagged_with_function_and_request(
    make_runtime, invoke_once, caplog
):
    """print, stderr, C-level writes and logging reach headrace's log with the request id."""
    caplog.set_level(logging.INFO, logger="headrace.function.chatty")
    runtime = make_runtime("handlers.chatty", name="chatty")
    result = await invoke_once(runtime, request_id="req-log")
    assert result.ok
    lines = {r.getMessage(): r for r in caplog.records if r.name == "headrace.function.chatty"}
    expected = ["printed req-log", "to stderr", "c-level write", "no newline at the end"]
    for text in expected:
        record = lines[f"[chatty req-log] {text}"]
        assert record.aws_request_id == "req-log"
        assert record.function_name == "chatty"
    via_logging = [m for m in lines if "via logging" in m]
    assert len(via_logging) == 1
    assert "\treq-log\tvia logging" in via_logging[0]


async def test_output_of_consecutive_invocations_is_tagged_with_each_request(
    make_runtime, invoke_once, caplog
):
    """Lines of one invocation never carry the next invocation's request id."""
    caplog.set_level(logging.INFO, logger="headrace.function.chatty")
    runtime = make_runtime("handlers.chatty", name="chatty")
    for i in range(5):
        await invoke_once(runtime, request_id=f"req-{i}")
    printed = [r for r in caplog.records if "printed" in r.getMessage()]
    assert [r.aws_request_id for r in printed] == [f"req-{i}" for i in range(5)]
    assert all(
        r.getMessage() == f"[chatty {r.aws_request_id}] printed {r.aws_request_id}" for r in printed
    )


async def test_c_level_output_is_tagged_with_its_own_request(make_runtime, invoke_once, caplog):
    """Output written below Python (os.write to fd 1) is tied to the right request too."""
    caplog.set_level(logging.INFO, logger="headrace.function.fn")
    runtime = make_runtime("handlers.c_level_only")
    for i in range(5):
        await invoke_once(runtime, request_id=f"req-{i}")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"[fn req-{i}] c-level req-{i}" for i in range(5)]


async def test_handler_exception_is_logged_like_lambda(make_runtime, invoke_once, caplog):
    """A raised exception is also printed to the function's log as '[ERROR] Type: message'."""
    caplog.set_level(logging.INFO, logger="headrace.function.fn")
    runtime = make_runtime("handlers.boom")
    await invoke_once(runtime, {"n": 3}, request_id="req-err")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == ["[fn req-err] [ERROR] ValueError: boom: 3"]
