"""The child of the pipe hand-off ceiling: read a framed event, decode it, reply ``null``.

It does what headrace's worker does per invocation minus the handler call: read the
frame, ``json.loads`` the event, write a reply frame.
"""

from __future__ import annotations

import json
import os
import struct
import sys

FRAME = struct.Struct("<I")
REPLY = FRAME.pack(4) + b"null"


def _read(fd: int, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main() -> int:
    inp, out = sys.stdin.fileno(), sys.stdout.fileno()
    while (header := _read(inp, FRAME.size)) is not None:
        (length,) = FRAME.unpack(header)
        body = _read(inp, length)
        if body is None:
            break
        json.loads(body)
        os.write(out, REPLY)
    return 0


if __name__ == "__main__":
    sys.exit(main())
