"""Reads a worker's log pipe and logs each line, tagged with function and request id.

The worker writes the handler's output (stdout and stderr merged, Python- and C-level) to
one pipe. The pump tags every line with the request the worker is running when the line is
read; the worker's end-of-output marker (:data:`~.framing.LOG_MARKER`) lets the invoker
wait until a finished invocation's last lines are read before the worker takes the next
request, so no line is tagged with the wrong request.
"""

from __future__ import annotations

import asyncio
import logging

from headrace.functions.framing import LOG_MARKER

# Bytes read from the pipe per wake-up.
_CHUNK = 65_536
# A line longer than this is logged in pieces rather than buffered without bound.
_MAX_LINE = 65_536
# Lines that start with a Lambda-style level tag are logged at that level.
_LEVELS = {
    b"[ERROR]": logging.ERROR,
    b"[CRITICAL]": logging.CRITICAL,
    b"[WARNING]": logging.WARNING,
}
_MARKER = LOG_MARKER[:1]


class LogPump:
    """One worker's log reader. ``request_id`` is set by the invoker at each dispatch."""

    def __init__(
        self, reader: asyncio.StreamReader, log: logging.Logger, function_name: str
    ) -> None:
        self.request_id: str | None = None
        self._reader = reader
        self._log = log
        self._function_name = function_name
        self._partial = b""
        self._markers_seen = 0
        self._changed = asyncio.Event()
        self._done = False

    async def run(self) -> None:
        """Log lines until the pipe closes; then log any unterminated tail."""
        try:
            while chunk := await self._reader.read(_CHUNK):
                self.feed(chunk)
        finally:
            if self._partial:
                self._emit(self._partial)
                self._partial = b""
            self._done = True
            self._changed.set()

    def feed(self, chunk: bytes) -> None:
        """Split ``chunk`` into lines and markers; keep an unterminated tail for later."""
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line)
        if len(self._partial) > _MAX_LINE:
            self._emit(self._partial)
            self._partial = b""

    def _line(self, line: bytes) -> None:
        if _MARKER in line:
            text, _, rest = line.partition(_MARKER)
            if text:
                self._emit(text)
            self._markers_seen += 1
            self._changed.set()
            if rest:
                self._line(rest)
            return
        self._emit(line)

    def _emit(self, line: bytes) -> None:
        level = logging.INFO
        if line[:1] == b"[":
            level = next((lv for tag, lv in _LEVELS.items() if line.startswith(tag)), level)
        if not self._log.isEnabledFor(level):
            return
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self._log.log(
            level,
            "[%s %s] %s",
            self._function_name,
            self.request_id or "-",
            text,
            extra={"function_name": self._function_name, "aws_request_id": self.request_id},
        )

    @property
    def markers_seen(self) -> int:
        """How many end-of-output markers have been read so far."""
        return self._markers_seen

    async def wait_markers(self, count: int) -> None:
        """Return once ``count`` markers were read, or the pipe closed."""
        while self._markers_seen < count and not self._done:
            self._changed.clear()
            await self._changed.wait()

    async def wait_closed(self) -> None:
        """Return once the pipe closed and the tail was logged."""
        while not self._done:
            self._changed.clear()
            await self._changed.wait()
