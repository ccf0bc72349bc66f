"""Reads a worker's log pipe and logs each line, tagged with function and request id.

The worker writes the handler's output (stdout and stderr merged, Python- and C-level) to
one pipe. The pump tags every line with the request the worker is running when the line is
read; the worker's end-of-output marker (see :func:`~.framing.new_log_marker`) lets the
invoker wait until a finished invocation's last lines are read before the worker takes the
next request, so no line is tagged with the wrong request.

Only the worker's own marker counts: a line that ends with it is the end of an
invocation's output (the text before it, a handler's unterminated last line, is logged on
its own). Any other byte, ``\\x1e`` included, is the handler's data and is logged as such.
"""

from __future__ import annotations

import asyncio
import logging

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


class LogPump:
    """One worker's log reader. ``request_id`` is set by the invoker at each dispatch."""

    def __init__(
        self, reader: asyncio.StreamReader, log: logging.Logger, function_name: str
    ) -> None:
        self.request_id: str | None = None
        self._marker: bytes | None = None  # the worker's marker without its newline
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

    def expect_marker(self, marker: bytes) -> None:
        """Recognise ``marker`` (the worker's, from its READY reply) from now on."""
        self._marker = marker.rstrip(b"\n")

    def feed(self, chunk: bytes) -> None:
        """Split ``chunk`` into lines and markers; keep an unterminated tail for later.

        A tail longer than ``_MAX_LINE`` is logged in pieces, except its last bytes: they may
        be the start of a marker whose end is still in the pipe.
        """
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line)
        if len(self._partial) > _MAX_LINE:
            keep = len(self._marker or b"")
            self._emit(self._partial[: len(self._partial) - keep])
            self._partial = self._partial[len(self._partial) - keep :]

    def _line(self, line: bytes) -> None:
        marker = self._marker
        if marker is not None and line.endswith(marker):
            if len(line) > len(marker):
                self._emit(line[: -len(marker)])
            self._markers_seen += 1
            self._changed.set()
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
