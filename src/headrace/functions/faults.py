"""Lambda's error objects and messages, as its Python runtime and its sandbox produce them.

A handler that raises gets the runtime's error object
``{"errorMessage", "errorType", "requestId", "stackTrace"}``; a load failure gets the same
shape with the runtime's own ``Runtime.*`` error type; a timeout or a dead worker gets the
sandbox's two-key object (``errorType``, ``errorMessage``). The texts follow Lambda's
(awslambdaric's bootstrap and the invoke API's responses) so logs and dead-letter records
read as they would on AWS.

This module is imported by worker processes: it stays free of asyncio and headrace's
engine.
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Sequence
from typing import Any

# errorType values of Lambda's Python runtime (awslambdaric FaultException) and sandbox.
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
EXIT_ERROR = "Runtime.ExitError"
# What Lambda reports when the sandbox went over MemorySize and was killed.
OUT_OF_MEMORY = "Runtime.OutOfMemory"
UNKNOWN_ERROR = "Runtime.Unknown"
TIMED_OUT = "Sandbox.Timedout"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"
# Not a function error on AWS: the Invoke API rejects the request with HTTP 413.
REQUEST_TOO_LARGE = "RequestEntityTooLargeException"

# Lambda's synchronous invocation payload quota, request and response (§2.1): 6 MB.
MAX_PAYLOAD_BYTES = 6_291_456
# The response limit Lambda's error message quotes (the quota plus 100 bytes of envelope).
MAX_RESPONSE_BYTES_QUOTED = 6_291_556

# How Go's os.ProcessState (which writes Lambda's ExitError messages) names signals.
_GO_SIGNAL_NAMES = {
    signal.SIGSEGV: "segmentation fault",
    signal.SIGKILL: "killed",
    signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGILL: "illegal instruction",
    signal.SIGINT: "interrupt",
}


def make_error(
    message: str, error_type: str, request_id: str = "", stack_trace: Sequence[str] = ()
) -> dict[str, Any]:
    """The runtime's error object, keys in the order Lambda writes them."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": list(stack_trace),
    }


def from_exception(
    exc: BaseException, request_id: str = "", skip_files: Sequence[str] = ()
) -> dict[str, Any]:
    """The error object for an exception a handler raised.

    Leading traceback frames from ``skip_files`` (the worker's own code) are dropped, as
    Lambda drops its bootstrap's frames; ``stackTrace`` holds ``traceback.format_list``
    entries.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and frames[0].filename in skip_files:
        del frames[0]
    return make_error(str(exc), type(exc).__name__, request_id, traceback.format_list(frames))


def timed_out(request_id: str, timeout: float) -> dict[str, Any]:
    """What Lambda returns when a handler runs past ``Timeout``."""
    return {
        "errorType": TIMED_OUT,
        "errorMessage": f"RequestId: {request_id} Error: "
        f"Task timed out after {timeout:.2f} seconds",
    }


def exited(request_id: str, returncode: int | None) -> dict[str, Any]:
    """What Lambda returns when the runtime process dies during an invocation."""
    return {
        "errorType": EXIT_ERROR,
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
        f"{describe_exit(returncode)}",
    }


def out_of_memory(request_id: str) -> dict[str, Any]:
    """What Lambda returns when the function used more than MemorySize and was killed."""
    return {
        "errorType": OUT_OF_MEMORY,
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
        f"{describe_exit(-signal.SIGKILL)}",
    }


def describe_exit(returncode: int | None) -> str:
    """``exit status 3`` or ``signal: segmentation fault``, as Go's ProcessState says it."""
    if returncode is None:
        return "exit status unknown"
    if returncode >= 0:
        return f"exit status {returncode}"
    number = -returncode
    try:
        name = _GO_SIGNAL_NAMES.get(signal.Signals(number)) or signal.strsignal(number)
    except ValueError:
        name = None
    return f"signal: {(name or f'signal {number}').lower()}"


def request_too_large() -> dict[str, Any]:
    """The Invoke API's answer to a payload over the 6 MB quota (§2.1)."""
    return {
        "errorType": REQUEST_TOO_LARGE,
        "errorMessage": f"Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the "
        "InvokeFunction operation",
    }


def response_too_large(request_id: str) -> dict[str, Any]:
    """What Lambda returns when a handler's response is over the 6 MB quota."""
    return make_error(
        f"Response payload size exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_BYTES_QUOTED} bytes).",
        RESPONSE_TOO_LARGE,
        request_id,
    )


def spawn_failed(request_id: str, exc: BaseException) -> dict[str, Any]:
    """A worker process could not be started (interpreter missing, out of processes)."""
    return {
        "errorType": UNKNOWN_ERROR,
        "errorMessage": f"RequestId: {request_id} Error: could not start the runtime: {exc}",
    }


def log_lines(error: dict[str, Any]) -> list[str]:
    """The lines Lambda's runtime prints for an error: ``[ERROR] Type: message`` + trace."""
    head = "[ERROR]"
    if error.get("errorType"):
        head += f" {error['errorType']}:"
    if error.get("errorMessage"):
        head += f" {error['errorMessage']}"
    lines = [head.rstrip(":")]
    if "stackTrace" in error:
        lines.append("Traceback (most recent call last):")
        for entry in error["stackTrace"]:
            lines.extend(str(entry).splitlines())
    return lines
