"""Filtering large payloads on a worker thread, so the event loop stays free.

Matching is linear in a record's size (no operator backtracks), but it is Python code: about
a microsecond per JSON value. A batch of 256 KB bodies made of tiny values (``[1,1,1,...]``)
takes a second or more to filter; on the event loop that second would stop every mapping,
the endpoint and signal handling. Past :data:`OFF_LOOP_BYTES` the work runs on a thread,
which hands the interpreter back to the loop every few milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Payload bytes up to which filtering stays on the event loop: linear work on 64 KB takes
# well under a millisecond for ordinary JSON, less than the hop to a thread and back.
OFF_LOOP_BYTES = 64 * 1024


async def filter_off_loop(work: Callable[[], T], payload_bytes: int) -> T:
    """``work()``, here for up to :data:`OFF_LOOP_BYTES` of payload, else on a worker thread.

    ``work`` must not touch the event loop's objects (events, futures, tasks): it may run on
    another thread. Its exceptions propagate either way.
    """
    if payload_bytes <= OFF_LOOP_BYTES:
        return work()
    return await asyncio.to_thread(work)
