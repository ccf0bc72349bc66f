"""The wire between headrace and a worker process: length-prefixed binary frames.

Two pipes carry frames, one each way; a third (the worker's stderr) carries the handler's
log output. Nothing is pickled and the payload is never wrapped in a JSON envelope: a frame
is a fixed ``struct`` header followed by raw bytes, so one invocation costs one write and
two exact reads on each side.

Request (headrace → worker)::

    header  <BHIq  kind (u8), request-id length (u16), payload length (u32),
                   deadline (i64, epoch milliseconds, as Lambda's Runtime API gives it)
    body    request id (ASCII) + payload (the event, JSON bytes)

Reply (worker → headrace)::

    header  <BBI   kind (u8), flags (u8), body length (u32)
    body    the handler's return value as JSON (SUCCESS), or Lambda's error object as JSON

The first reply of every worker is READY (the handler was imported; the body is the
worker's end-of-output marker) or INIT_ERROR (it was not; the body is the error object and
the worker exits). Every later reply answers exactly one request.

Log output is tied to requests without a per-invocation marker: headrace tags each line with
the request the worker is running. When a reply has :data:`FLAG_LOG_TAIL` set, the handler
wrote output that may still sit in the log pipe; the worker has written its end-of-output
marker after it, and headrace finishes the invocation only once its log reader has seen the
marker, so no line is tagged with the next request's id.

The marker is secret to the worker and headrace (see :func:`new_log_marker`). The threat
model is *data*: whatever bytes a handler prints, by accident or because an attacker chose
them (a record's body, binary garbage, the ASCII record separator, an old marker), never
end an invocation's output early or shift later lines to another request. Code in the
handler can read its own process's memory, and so the marker; it is trusted as much as
any handler code (it could as well write to the reply pipe).
"""

from __future__ import annotations

import enum
import os
import re
import struct

# kind, request-id length, payload length, deadline in epoch ms. Little-endian, unpadded.
REQUEST_HEADER = struct.Struct("<BHIq")
# kind, flags, body length.
REPLY_HEADER = struct.Struct("<BBI")

# Random bytes in a worker's end-of-output marker: 128 bits, so printed data matches it
# only by knowing it.
MARKER_TOKEN_BYTES = 16
# What a marker looks like: the ASCII record separator (it ends a handler's unterminated
# last line, which is logged on its own), the token in lowercase hex, a newline.
LOG_MARKER_FORM = re.compile(rb"\x1e[0-9a-f]{%d}\n" % (2 * MARKER_TOKEN_BYTES))

# Reply flag: the handler wrote log output; wait for the marker before reusing the worker.
FLAG_LOG_TAIL = 0x01


class RequestKind(enum.IntEnum):
    """What a request frame asks of the worker."""

    INVOKE = 1


class ReplyKind(enum.IntEnum):
    """What a reply frame reports."""

    READY = 1  # the handler module was imported; the worker takes requests
    INIT_ERROR = 2  # the handler could not be loaded; body = error object; the worker exits
    SUCCESS = 3  # body = the handler's return value as JSON
    HANDLER_ERROR = 4  # body = Lambda's error object (the handler raised, or bad response)


def encode_request(request_id: str, deadline_ms: int, payload: bytes) -> bytes:
    """One INVOKE frame, ready to write in a single call.

    Raises ``struct.error`` if the request id is longer than 65,535 bytes or the payload
    longer than 4 GiB (callers cap payloads at 6 MB first).
    """
    rid = request_id.encode("ascii")
    header = REQUEST_HEADER.pack(RequestKind.INVOKE, len(rid), len(payload), deadline_ms)
    return b"".join((header, rid, payload))


def encode_reply(kind: ReplyKind, body: bytes, flags: int = 0) -> bytes:
    """One reply frame: header and body in one buffer."""
    return REPLY_HEADER.pack(kind, flags, len(body)) + body


def new_log_marker() -> bytes:
    """A fresh end-of-output marker: ``\\x1e``, 32 random hex digits, a newline.

    Each worker makes its own at start and tells headrace in its READY reply, over the
    private frame pipe: it is never in the environment, the command line or the log.
    """
    return b"\x1e" + os.urandom(MARKER_TOKEN_BYTES).hex().encode("ascii") + b"\n"


def check_log_marker(marker: bytes) -> bytes:
    """``marker`` if it has a marker's form (a READY body); else raise ValueError."""
    if not LOG_MARKER_FORM.fullmatch(marker):
        raise ValueError(f"malformed end-of-output marker {marker!r}")
    return marker
