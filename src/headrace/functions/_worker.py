"""A worker process: one warm execution environment of one function.

Started by :mod:`headrace.functions.worker` as
``python -m headrace.functions._worker FUNCTION_ARN PARENT_PID`` with the Lambda
environment already set, stdin/stdout as the frame pipes (see :mod:`.framing`) and stderr
as the log pipe. At start it moves the frame pipes to private descriptors and points fds 1
and 2 at the log pipe, so everything the handler prints (``print``, ``logging``, C-level
writes, child processes) reaches headrace's log; then it imports the handler once, says
READY (or INIT_ERROR and exits), and answers requests until its request pipe closes.

It dies with its parent: ``PR_SET_PDEATHSIG`` on Linux (a handler stuck in a loop cannot
outlive headrace), a parent-pid watch elsewhere, and EOF on the request pipe.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import struct
import sys
import termios
import threading
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TextIO

from headrace.functions import faults

if TYPE_CHECKING:
    import asyncio
from headrace.functions.framing import (
    FLAG_LOG_TAIL,
    REQUEST_HEADER,
    ReplyKind,
    encode_reply,
    new_log_marker,
)
from headrace.functions.handler import (
    Handler,
    decode_event,
    encode_response,
    load_handler,
    marshal_error,
    unmarshal_error,
)
from headrace.functions.lambda_context import LambdaContext

# prctl option number of PR_SET_PDEATHSIG (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
# How often a non-Linux worker checks that its parent is alive, seconds.
_PARENT_POLL_SECONDS = 1.0
# Lambda's text log format for the root logger (awslambdaric's _setup_logging).
_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
_LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

_current_request_id = ""


class _Channel:
    """The worker's end of the frame pipes (blocking reads, whole-frame writes)."""

    def __init__(self, request_fd: int, reply_fd: int) -> None:
        self._reader = open(request_fd, "rb")  # noqa: SIM115 - lives as long as the process
        self._reply_fd = reply_fd

    @classmethod
    def take_over_stdio(cls) -> _Channel:
        """Move the frame pipes off fds 0/1; fd 0 becomes /dev/null, fd 1 the log pipe."""
        request_fd, reply_fd = os.dup(0), os.dup(1)  # dup'd fds are not inherited
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        return cls(request_fd, reply_fd)

    def receive(self) -> tuple[str, int, bytes] | None:
        """The next request as (request id, deadline ms, payload); None at EOF."""
        header = self._reader.read(REQUEST_HEADER.size)
        if len(header) < REQUEST_HEADER.size:
            return None
        _kind, rid_length, payload_length, deadline_ms = REQUEST_HEADER.unpack(header)
        body = self._reader.read(rid_length + payload_length)
        if len(body) < rid_length + payload_length:
            return None
        return body[:rid_length].decode("ascii"), deadline_ms, body[rid_length:]

    def send(self, kind: ReplyKind, body: bytes = b"", flags: int = 0) -> None:
        view = memoryview(encode_reply(kind, body, flags))
        while view:
            view = view[os.write(self._reply_fd, view) :]


class _TrackedStream:
    """sys.stdout/sys.stderr: unbuffered like Lambda's, and noting that output happened."""

    def __init__(self, stream: TextIO, tracker: _OutputTracker) -> None:
        self._stream = stream
        self._tracker = tracker

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        self._stream.flush()
        self._tracker.dirty = True
        return written

    def writelines(self, lines: list[str]) -> None:
        self._stream.writelines(lines)
        self._stream.flush()
        self._tracker.dirty = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _OutputTracker:
    """Knows whether the handler wrote anything headrace may not have read yet."""

    def __init__(self) -> None:
        self.dirty = False

    def install(self) -> None:
        sys.stdout = _TrackedStream(sys.stdout, self)
        sys.stderr = _TrackedStream(sys.stderr, self)

    def take(self) -> bool:
        """True if output was written since the last call (Python- or C-level)."""
        dirty, self.dirty = self.dirty, False
        return dirty or _unread_bytes(1) > 0


def _unread_bytes(fd: int) -> int:
    """Bytes waiting in the pipe behind ``fd`` (FIONREAD works on either end on Linux)."""
    try:
        raw = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return 1  # unknown: assume output is pending; costs one marker
    return int(struct.unpack("i", raw)[0])


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _setup_logging() -> None:
    """The root logger Lambda's runtime installs: Lambda's format, to stdout, UTC times."""
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT, _LOG_DATE_FORMAT))
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def _die_with_parent(parent_pid: int) -> None:
    """Exit when headrace exits, even while a handler hangs."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(0)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(0)


def _disable_core_dumps() -> None:
    """A segfaulting handler should not leave core files in its CodeUri."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


class _Runner:
    """Runs one invocation: decode, call (awaiting coroutines), encode, report."""

    def __init__(self, handler: Handler, function_arn: str, tracker: _OutputTracker) -> None:
        self._handler = handler
        self._function_arn = function_arn
        self._tracker = tracker
        self._loop: asyncio.AbstractEventLoop | None = None

    def invoke(self, request_id: str, deadline_ms: int, payload: bytes) -> tuple[ReplyKind, bytes]:
        global _current_request_id
        _current_request_id = request_id
        try:
            event = decode_event(payload)
        except ValueError as exc:
            return self._fail(unmarshal_error(request_id, exc))
        context = LambdaContext(request_id, deadline_ms, self._function_arn)
        try:
            result = self._handler(event, context)
            if hasattr(result, "__await__"):  # a coroutine: inspect costs 10 ms to import
                result = self._event_loop().run_until_complete(_await(result))
        except Exception as exc:
            return self._fail(faults.from_exception(exc, request_id, _own_files()))
        try:
            body = encode_response(result)
        except Exception as exc:
            return self._fail(marshal_error(request_id, exc))
        if len(body) > faults.MAX_PAYLOAD_BYTES:
            return self._fail(faults.response_too_large(request_id))
        return ReplyKind.SUCCESS, body

    def _fail(self, error: dict[str, Any]) -> tuple[ReplyKind, bytes]:
        sys.stdout.write("\n".join(faults.log_lines(error)) + "\n")
        return ReplyKind.HANDLER_ERROR, json.dumps(error).encode()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """One loop for the worker's life, so module-level async clients stay usable.

        asyncio is imported here, not at start: it is most of a worker's start-up time and
        sync handlers never need it.
        """
        if self._loop is None:
            import asyncio

            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
        return self._loop


def _own_files() -> tuple[str, ...]:
    """Files whose frames lead a handler's traceback and are not the handler's."""
    base_events = sys.modules.get("asyncio.base_events")
    extra = (base_events.__file__,) if base_events and base_events.__file__ else ()
    return (__file__, *extra)


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def main(argv: list[str]) -> int:
    """Run the worker until its request pipe closes."""
    function_arn, parent_pid = argv[1], int(argv[2])
    channel = _Channel.take_over_stdio()
    _die_with_parent(parent_pid)
    _disable_core_dumps()
    tracker = _OutputTracker()
    tracker.install()
    _setup_logging()
    os.environ.setdefault(
        "AWS_EXECUTION_ENV", f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}"
    )
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    loaded = load_handler(os.environ.get("_HANDLER", ""))
    if loaded.handler is None:
        error = loaded.error or {}
        sys.stdout.write("\n".join(faults.log_lines(error)) + "\n")
        channel.send(ReplyKind.INIT_ERROR, json.dumps(error).encode())
        return 0
    marker = new_log_marker()  # known to headrace alone: it comes in the READY reply
    channel.send(ReplyKind.READY, marker)
    runner = _Runner(loaded.handler, function_arn, tracker)
    tracker.take()
    while (request := channel.receive()) is not None:
        kind, body = runner.invoke(*request)
        flags = 0
        if tracker.take():
            os.write(2, marker)  # one write under PIPE_BUF: never interleaved with others
            flags = FLAG_LOG_TAIL
        channel.send(kind, body, flags)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
