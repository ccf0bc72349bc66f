"""Handler output is tagged with the request that wrote it, whatever bytes the handler prints.

The end-of-output marker is the worker's secret (random per worker, told to headrace over
the frame pipe), so printed data — the ASCII record separator, the marker headrace used to
use, another worker's marker, binary garbage — never ends an invocation's output early.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os

from headrace.functions.framing import new_log_marker
from headrace.functions.logpump import LogPump

# Everything a handler might print that looks like a boundary, and partial lines around it.
NASTY = [
    b"a\x1eb\n",  # a record separator inside a line
    b"\x1e\n",  # the old end-of-output marker, alone
    b"old marker at the end\x1e\n",
    b"\x1e" + os.urandom(16).hex().encode() + b"\n",  # a marker of the right form, not ours
    b"binary \xff\xfe\x00\x1b[31m garbage\n",
    b"partial ",
    b"line\x1e",  # a line ends with the separator, the newline comes in the next write
    b"\n",
    b"unterminated last line\x1e",
]


def expected_lines(output: bytes) -> list[str]:
    """What the pump logs for ``output``: its lines, the unterminated tail as a line."""
    lines = output.split(b"\n")
    tail = lines.pop()
    return [line.decode("utf-8", "replace") for line in [*lines, *([tail] if tail else [])]]


def pump_with_marker(marker: bytes) -> LogPump:
    pump = LogPump(asyncio.StreamReader(), logging.getLogger("test.pump"), "fn")
    pump.expect_marker(marker)
    pump.request_id = "req"
    return pump


async def test_printed_boundaries_are_data_not_markers(caplog):
    """No printed byte sequence but the worker's own marker ends an invocation's output."""
    caplog.set_level(logging.INFO, logger="test.pump")
    marker = new_log_marker()
    pump = pump_with_marker(marker)
    for chunk in NASTY:
        pump.feed(chunk)
    assert pump.markers_seen == 0
    pump.feed(marker)
    assert pump.markers_seen == 1
    expected = expected_lines(b"".join(NASTY))
    assert [r.getMessage() for r in caplog.records] == [f"[fn req] {line}" for line in expected]


async def test_a_marker_split_across_reads_and_a_long_line_is_still_seen(caplog):
    """A marker cut by a read boundary, behind a line longer than the pump's line limit."""
    caplog.set_level(logging.INFO, logger="test.pump")
    marker = new_log_marker()
    pump = pump_with_marker(marker)
    long_line = b"x" * 100_000
    data = long_line + marker
    for start in range(0, len(data), 65_536 - 7):  # reads that end inside the marker
        pump.feed(data[start : start + 65_536 - 7])
    assert pump.markers_seen == 1
    logged = "".join(r.getMessage().removeprefix("[fn req] ") for r in caplog.records)
    assert logged == long_line.decode()


async def test_every_line_lands_on_its_own_request_and_the_next_ones_too(make_runtime, caplog):
    """Through a real worker: nasty output, then ordinary output, each on its own request."""
    caplog.set_level(logging.INFO, logger="headrace.function.fn")
    runtime = make_runtime("handlers.write_out")
    nasty = {"writes": [chunk.hex() for chunk in NASTY], "print": "printed \x1e partial"}
    plain = {"writes": [b"plain line\n".hex()], "print": "and a print\n"}
    expected: list[tuple[str, str]] = []
    async with runtime.reserve() as slot:
        for n, event in enumerate([nasty, plain, nasty, plain]):
            rid = f"req-{n}"
            assert (await slot.invoke(json.dumps(event).encode(), request_id=rid)).ok
            output = b"".join(bytes.fromhex(c) for c in event["writes"]) + event["print"].encode()
            expected += [(rid, f"[fn {rid}] {line}") for line in expected_lines(output)]
    logged = [
        (r.aws_request_id, r.getMessage())
        for r in caplog.records
        if r.name == "headrace.function.fn"
    ]
    assert logged == expected
