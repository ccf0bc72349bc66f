"""docs/architecture.md's worked example of adding a source kind runs and fits the seam."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from headrace.sources.kinds.kind_seam import SourceKind
from headrace.sources.kinds.kind_table import SOURCE_KINDS
from headrace.sources.source_seam import capabilities

DOC = Path(__file__).parents[4] / "docs" / "architecture.md"


def _example() -> dict[str, Any]:
    text = DOC.read_text()
    block = re.search(r"<!-- example-kind -->\n```python\n(.*?)```", text, re.DOTALL)
    assert block is not None, "the example block is missing from docs/architecture.md"
    namespace: dict[str, Any] = {}
    exec(compile(block[1], str(DOC), "exec"), namespace)
    return namespace


def test_the_example_kind_fills_the_seam() -> None:
    """The documented kind is a SourceKind with a name no registered kind uses."""
    kind = _example()["MEMORY_LIST"]
    assert isinstance(kind, SourceKind)
    assert kind.name not in {k.name for k in SOURCE_KINDS}


def test_the_example_kind_is_recognised_alone() -> None:
    """Its source field is recognised by it and by no registered kind (§1.6.1)."""
    kind = _example()["MEMORY_LIST"]
    source = {"EventSourceArn": "memory-list:orders"}
    assert kind.recognises(source, None)
    assert not any(k.recognises(source, None) for k in SOURCE_KINDS)
    assert not kind.recognises({"EventSourceArn": "arn:aws:sqs:us-east-1:1:q"}, None)


async def test_the_example_kind_opens_a_queue_with_its_shape() -> None:
    """It opens a source with the queue capabilities and an SQS record shape (§3.1)."""

    class Mapping:
        event_source_arn = "memory-list:orders"

    opened = await _example()["MEMORY_LIST"].open(None, Mapping())
    assert {"visibility", "deletes", "depth"} <= capabilities(opened.source)
    assert opened.shape.envelope([]) == b'{"Records":[]}'
