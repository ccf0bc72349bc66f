"""End to end: `headrace run` tags every line a handler prints with that invocation's id.

The handler prints what could pass for an end-of-output marker — the ASCII record
separator inside and at the end of lines, the marker headrace once used, a marker-shaped
token of its own, binary garbage, partial lines — on one warm worker, invocation after
invocation; every line is logged whole, on the request that printed it.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e

MESSAGES = 5
# Lines each invocation prints (see NASTY); each starts with the invocation's request id.
LINES_PER_INVOCATION = 6

NASTY = r"""
import os, sys


def handler(event, context):
    rid = context.aws_request_id
    print(f"{rid} a\x1eb")
    os.write(1, f"{rid} old marker\x1e\n".encode())
    os.write(2, f"{rid} \x1e{os.urandom(16).hex()}\n".encode())
    os.write(1, rid.encode() + b" binary \xff\xfe\x1b[31m garbage\n")
    sys.stdout.write(f"{rid} partial ")
    sys.stdout.write("line\x1e")
    print()
    print(f"{rid} unterminated\x1e", end="")
"""
# A handler line in headrace's log: "... headrace.function.fn: [fn REQUEST_ID] TEXT".
LOGGED = re.compile(r"headrace\.function\.fn: \[fn (\S+)\] (.*)$")


def test_every_printed_line_is_logged_whole_on_its_own_request(project: Project) -> None:
    """design.md Logs: printed data never forges a boundary or shifts lines to another id."""
    project.configure(
        queues={"orders": queue(visibility=30)},
        functions={"fn": function("nasty.handler", timeout=30, concurrency=1)},
        mappings=[mapping("fn", "orders", BatchSize=1)],
    )
    (project.root / "src" / "nasty.py").write_text(textwrap.dedent(NASTY))
    project.send("orders", *[f"m{i}" for i in range(MESSAGES)])
    stderr = project.drain().stderr
    logged = [m.groups() for line in stderr.split("\n") if (m := LOGGED.search(line))]
    for request_id, text in logged:
        assert text.startswith(request_id + " "), (request_id, text)
    per_request = Counter(request_id for request_id, _ in logged)
    assert len(per_request) == MESSAGES
    assert set(per_request.values()) == {LINES_PER_INVOCATION}, per_request
