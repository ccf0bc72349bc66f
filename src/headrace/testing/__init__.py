"""Test doubles and conformance suites for users' tests (and headrace's own).

Everything here is public and stable enough to build tests on (see docs/testing.md):

- in-memory sources the engine reads: :class:`InMemoryQueueSource` (SQS semantics:
  visibility, receive counts, redrive, FIFO groups) and :class:`InMemoryStreamSource`
  (Kinesis-like shards), both on an injected clock, and :class:`CoreOnlyQueue`, a queue
  with only the source core (receive, settle, close: what a new kind must offer at least);
- a function fake, :class:`InMemoryFunctionRuntime`, that calls a Python handler in process;
- in-memory storage backends behind the broker's seams: :class:`MemoryQueueStorage`,
  :class:`MemoryStreamStorage`, :class:`MemoryTableStorage`;
- in-memory state stores: :func:`memory_state` (all four stores) and
  :func:`memory_checkpoints`;
- the conformance suites a backend passes, as modules of pytest test classes
  (``queue_conformance``, ``stream_conformance``, ``table_conformance``,
  ``state_conformance``; for sources, ``source_conformance`` and
  ``source_conformance_streams``) and the factory Protocols their fixtures return.

Names load on first use, so importing one submodule pulls in neither the others nor pytest
(the suites need it; the doubles do not).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headrace.state.memory_state import memory_checkpoints, memory_state
    from headrace.testing.conformance import (
        queue_conformance,
        source_conformance,
        source_conformance_streams,
        state_conformance,
        stream_conformance,
        table_conformance,
    )
    from headrace.testing.conformance.queue_conformance import QueueStorageFactory
    from headrace.testing.conformance.state_conformance import StateFactory
    from headrace.testing.conformance.stream_conformance import StreamStorageFactory
    from headrace.testing.conformance.table_conformance import TableStorageFactory
    from headrace.testing.core_only_queue import CoreOnlyQueue
    from headrace.testing.memory_functions import InMemoryFunctionRuntime
    from headrace.testing.memory_queue_source import InMemoryQueueSource
    from headrace.testing.memory_queue_storage import MemoryQueueStorage
    from headrace.testing.memory_stream_source import InMemoryStreamSource
    from headrace.testing.memory_stream_storage import MemoryStreamStorage
    from headrace.testing.memory_table_storage import MemoryTableStorage

# Public name -> the module that defines it.
_ATTRIBUTES = {
    "CoreOnlyQueue": "headrace.testing.core_only_queue",
    "InMemoryFunctionRuntime": "headrace.testing.memory_functions",
    "InMemoryQueueSource": "headrace.testing.memory_queue_source",
    "InMemoryStreamSource": "headrace.testing.memory_stream_source",
    "MemoryQueueStorage": "headrace.testing.memory_queue_storage",
    "MemoryStreamStorage": "headrace.testing.memory_stream_storage",
    "MemoryTableStorage": "headrace.testing.memory_table_storage",
    "memory_state": "headrace.state.memory_state",
    "memory_checkpoints": "headrace.state.memory_state",
    "QueueStorageFactory": "headrace.testing.conformance.queue_conformance",
    "StreamStorageFactory": "headrace.testing.conformance.stream_conformance",
    "TableStorageFactory": "headrace.testing.conformance.table_conformance",
    "StateFactory": "headrace.testing.conformance.state_conformance",
}
# Public name -> the suite module it is.
_SUITES = {
    name: f"headrace.testing.conformance.{name}"
    for name in (
        "queue_conformance",
        "source_conformance",
        "source_conformance_streams",
        "stream_conformance",
        "table_conformance",
        "state_conformance",
    )
}

__all__ = [
    "CoreOnlyQueue",
    "InMemoryFunctionRuntime",
    "InMemoryQueueSource",
    "InMemoryStreamSource",
    "MemoryQueueStorage",
    "MemoryStreamStorage",
    "MemoryTableStorage",
    "QueueStorageFactory",
    "StateFactory",
    "StreamStorageFactory",
    "TableStorageFactory",
    "memory_checkpoints",
    "memory_state",
    "queue_conformance",
    "source_conformance",
    "source_conformance_streams",
    "state_conformance",
    "stream_conformance",
    "table_conformance",
]


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    if name in _ATTRIBUTES:
        return getattr(importlib.import_module(_ATTRIBUTES[name]), name)
    if name in _SUITES:
        return importlib.import_module(_SUITES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
