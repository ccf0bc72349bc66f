"""Frames, the log pump's line splitting, Lambda's error texts, and the worker environment."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest

from headrace.config.model import FunctionConfig
from headrace.functions import faults
from headrace.functions.environment import worker_environment
from headrace.functions.framing import (
    REPLY_HEADER,
    REQUEST_HEADER,
    ReplyKind,
    encode_reply,
    encode_request,
    new_log_marker,
)
from headrace.functions.logpump import LogPump


def test_request_frame_is_header_then_request_id_then_raw_payload():
    """A request frame carries the payload bytes as they are: no envelope, no pickling."""
    frame = encode_request("req-1", 1_700_000_000_123, b'{"a":1}')
    kind, rid_length, payload_length, deadline = REQUEST_HEADER.unpack_from(frame)
    body = frame[REQUEST_HEADER.size :]
    assert (kind, rid_length, payload_length, deadline) == (1, 5, 7, 1_700_000_000_123)
    assert body == b'req-1{"a":1}'


def test_reply_frame_round_trips():
    """A reply frame is its header and the body, nothing else."""
    frame = encode_reply(ReplyKind.SUCCESS, b"null", flags=1)
    assert REPLY_HEADER.unpack_from(frame) == (ReplyKind.SUCCESS, 1, 4)
    assert frame[REPLY_HEADER.size :] == b"null"


@pytest.mark.parametrize(
    ("returncode", "text"),
    [
        (0, "exit status 0"),
        (3, "exit status 3"),
        (-11, "signal: segmentation fault"),
        (-9, "signal: killed"),
        (-6, "signal: aborted"),
        (None, "exit status unknown"),
    ],
)
def test_exit_is_described_as_lambda_does(returncode, text):
    """Runtime.ExitError messages name the exit like Lambda's (Go's ProcessState)."""
    assert faults.describe_exit(returncode) == text


def test_error_log_lines_follow_lambdas_runtime():
    """'[ERROR] Type: message', then the traceback, as Lambda's runtime prints it."""
    error = faults.make_error("boom", "ValueError", "r", ['  File "a.py", line 1, in h\n    x\n'])
    assert faults.log_lines(error) == [
        "[ERROR] ValueError: boom",
        "Traceback (most recent call last):",
        '  File "a.py", line 1, in h',
        "    x",
    ]


async def pump_lines(
    chunks: list[bytes], caplog, marker: bytes | None = None
) -> list[tuple[str | None, str]]:
    caplog.set_level(logging.INFO, logger="test.pump")
    reader = asyncio.StreamReader()
    pump = LogPump(reader, logging.getLogger("test.pump"), "fn")
    if marker is not None:
        pump.expect_marker(marker)
    pump.request_id = "req"
    for chunk in chunks:
        pump.feed(chunk)
    reader.feed_eof()
    await pump.run()
    return [(r.aws_request_id, r.getMessage()) for r in caplog.records]


async def test_pump_joins_lines_split_across_reads(caplog):
    """A line that arrives in pieces is logged once, whole."""
    lines = await pump_lines([b"hel", b"lo\nwor", b"ld\n"], caplog)
    assert lines == [("req", "[fn req] hello"), ("req", "[fn req] world")]


async def test_pump_splits_an_unterminated_line_at_the_marker(caplog):
    """Output without a final newline ends at the end-of-output marker."""
    marker = new_log_marker()
    lines = await pump_lines([b"partial" + marker + b"next\n"], caplog, marker)
    assert [m for _, m in lines] == ["[fn req] partial", "[fn req] next"]


async def test_pump_logs_the_tail_when_the_pipe_closes(caplog):
    """A last line without newline is still logged when the worker exits."""
    lines = await pump_lines([b"last words"], caplog)
    assert [m for _, m in lines] == ["[fn req] last words"]


async def test_pump_logs_error_lines_at_error_level(caplog):
    """Lines Lambda's runtime marks '[ERROR]' are logged at ERROR."""
    await pump_lines([b"[ERROR] ValueError: x\nplain\n"], caplog)
    assert [r.levelno for r in caplog.records] == [logging.ERROR, logging.INFO]


def test_worker_environment_layers_base_function_then_reserved():
    """Reserved variables win over Environment.Variables, which win over the base."""
    config = FunctionConfig(
        name="f",
        handler="m.h",
        code_uri=Path("/code"),
        environment={"STAGE": "dev", "AWS_REGION": "nope", "HOME": "/fn"},
    )
    env = worker_environment(config, "us-west-2", base={"HOME": "/root", "KEEP": "1"})
    assert (env["KEEP"], env["HOME"], env["STAGE"]) == ("1", "/fn", "dev")
    assert env["AWS_REGION"] == "us-west-2"
    assert re.fullmatch(
        r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
