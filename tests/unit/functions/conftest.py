"""Real handler files in a temporary CodeUri, and process runtimes that are always closed."""

from __future__ import annotations

import json
import os
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from headrace.config.model import FunctionConfig
from headrace.functions.process import ProcessFunctionRuntime

REGION = "eu-west-1"
ACCOUNT = "123456789012"

# One module with every well-behaved and misbehaving handler the tests need.
HANDLERS = """
import asyncio, ctypes, json, os, subprocess, sys, time

STAGE_AT_IMPORT = os.environ.get("STAGE")
calls = 0


def echo(event, context):
    return event


def count(event, context):
    global calls
    calls += 1
    return {"calls": calls, "pid": os.getpid()}


async def async_echo(event, context):
    await asyncio.sleep(0)
    return {"event": event, "loop": id(asyncio.get_running_loop())}


def boom(event, context):
    raise ValueError("boom: " + str(event.get("n")))


def hang(event, context):
    if event.get("hang") is False:
        return os.getpid()
    if event.get("child"):
        child = subprocess.Popen(["sleep", "60"])
        with open(event["child"], "w") as f:
            f.write(str(child.pid))
    if event.get("pidfile"):
        with open(event["pidfile"] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(event["pidfile"] + ".tmp", event["pidfile"])
    while True:
        time.sleep(1)


def exit3(event, context):
    os._exit(3)


def _write_pid(path, pid):
    with open(path + ".tmp", "w") as f:
        f.write(str(pid))
    os.rename(path + ".tmp", path)


def leave_child(event, context):
    child = subprocess.Popen(["sleep", "60"])
    _write_pid(event["child"], child.pid)
    return child.pid


def child_then_exit(event, context):
    child = subprocess.Popen(["sleep", "60"])
    _write_pid(event["child"], child.pid)
    os._exit(1)


def fork_then_exit(event, context):
    pid = os.fork()
    if pid == 0:  # the copy holds every pipe of the worker, the frame pipes included
        time.sleep(60)
        os._exit(0)
    _write_pid(event["child"], pid)
    os._exit(1)


def sys_exit(event, context):
    sys.exit(2)


def segfault(event, context):
    ctypes.string_at(0)


def unserialisable(event, context):
    return {1, 2}


def huge_response(event, context):
    return "x" * 6_300_000


def size(event, context):
    return len(event["data"])


def chatty(event, context):
    print("printed", context.aws_request_id)
    sys.stderr.write("to stderr\\n")
    os.write(1, b"c-level write\\n")
    import logging
    logging.getLogger().warning("via logging")
    print("no newline at the end", end="")
    return "ok"


def allocate(event, context):
    chunks = []
    for _ in range(event["mb"] // 16):
        chunks.append(b"x" * (16 << 20))  # touched: resident, not just reserved
    return len(chunks) * 16


def child_allocates(event, context):
    code = "import time; x = b'x' * (%d << 20); time.sleep(60)" % event["mb"]
    child = subprocess.Popen([sys.executable, "-c", code])
    _write_pid(event["child"], child.pid)
    child.wait()


def boto3_client(event, context):
    import boto3

    client = boto3.client("sqs", region_name="us-east-1")
    working_set = [bytes(1 << 20) for _ in range(event.get("mb", 0))]
    time.sleep(event["seconds"])  # a workload the memory check samples several times
    with open("/proc/self/statm") as statm:
        resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return {"client": type(client).__name__, "mb": len(working_set), "resident": resident}


def write_out(event, context):
    for chunk in event["writes"]:
        os.write(1, bytes.fromhex(chunk))
    print(event.get("print", ""), end="")


def c_level_only(event, context):
    os.write(1, ("c-level " + context.aws_request_id + "\\n").encode())
    return None


def describe(event, context):
    keys = [
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER",
        "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV", "STAGE", "TZ",
    ]
    import helper
    return {
        "env": {k: os.environ.get(k) for k in keys},
        "stage_at_import": STAGE_AT_IMPORT,
        "cwd": os.getcwd(),
        "path0": sys.path[0],
        "helper": helper.VALUE,
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "client_context": context.client_context,
            "cognito_identity_id": context.identity.cognito_identity_id,
        },
    }


def interval(event, context):
    start = time.monotonic()
    time.sleep(event["sleep"])
    end = time.monotonic()
    with open(os.path.join(os.environ["OUT_DIR"], context.aws_request_id), "w") as f:
        json.dump([start, end], f)
    return os.getpid()


def wait_for_file(event, context):
    while not os.path.exists(event["path"]):
        time.sleep(0.01)
    return os.getpid()
"""


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    """A CodeUri holding ``handlers.py`` (above), ``helper.py`` and broken modules."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "handlers.py").write_text(textwrap.dedent(HANDLERS))
    (code / "helper.py").write_text("VALUE = 'from CodeUri'\n")
    (code / "broken_syntax.py").write_text("def handler(event, context)\n    return 1\n")
    (code / "raises_on_import.py").write_text("raise RuntimeError('cannot start')\n")
    return code


RuntimeFactory = Callable[..., ProcessFunctionRuntime]


@pytest.fixture
async def make_runtime(code_dir: Path) -> AsyncIterator[RuntimeFactory]:
    """Build process runtimes over ``code_dir``; every one is closed after the test."""
    made: list[ProcessFunctionRuntime] = []

    def make(handler: str, *, concurrency: int = 1, **fields: Any) -> ProcessFunctionRuntime:
        runtime_kwargs = {k: fields.pop(k) for k in ("idle_seconds", "clock", "log") if k in fields}
        config = FunctionConfig(
            name=fields.pop("name", "fn"), handler=handler, code_uri=code_dir, **fields
        )
        runtime = ProcessFunctionRuntime(
            config, concurrency=concurrency, region=REGION, account=ACCOUNT, **runtime_kwargs
        )
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        await runtime.aclose()


async def _invoke_once(runtime: Any, event: Any = None, **kwargs: Any) -> Any:
    async with runtime.reserve() as slot:
        return await slot.invoke(json.dumps(event or {}).encode(), **kwargs)


@pytest.fixture
def invoke_once() -> Callable[..., Any]:
    """``await invoke_once(runtime, event)``: reserve a slot, invoke with the event as JSON."""
    return _invoke_once


def _process_gone(pid: int) -> bool:
    """True if ``pid`` no longer runs (exited, or a zombie nobody reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


@pytest.fixture
def process_gone() -> Callable[[int], bool]:
    """``process_gone(pid)``: the process exited (or is a zombie nobody reaped yet)."""
    return _process_gone


# Bound on a killed process leaving the process table (a loaded CI machine; normally ms).
GONE_WITHIN_SECONDS = 10.0


def _gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while not _process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _process_gone(pid)


@pytest.fixture
def gone_soon() -> Callable[[int], bool]:
    """``gone_soon(pid)``: the process is gone now or within GONE_WITHIN_SECONDS (polled)."""
    return _gone_soon
