"""Issue 8, item 9: a table write always wakes its stream's poller at once, even right after
a burst of writes to many other keys from another process while the engine's loop is busy
(a full wake-up queue used to drop its datagram: the poller then slept 30 s)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from datadir_opener import ACCOUNT, REGION, USERS
from wake_burst_child import QUEUES

from headrace.broker.embedded import EmbeddedBroker
from headrace.clock import SystemClock
from headrace.esm.streams.shard_poller import IDLE_RECHECK_SECONDS
from headrace.sources.embedded_streams import EmbeddedStreams

CHILD = Path(__file__).with_name("wake_burst_child.py")
# Rounds of burst-then-table-write: the wake-up must come every time.
ROUNDS = 5
# The bound the issue sets: a write wakes its pollers within a second.
WAKE_WITHIN_S = 1.0
# Bound on one burst (the writer waits for the busy loop to make room; a hang fails).
BURST_TIMEOUT_S = 60.0
# How long the busy loop computes before it lets other callbacks run.
BUSY_SLICE_S = 0.01


def burst_size() -> int:
    """Several times what a unix socket's queue holds here (``max_dgram_qlen``, often 10)."""
    return 3 * int(Path("/proc/sys/net/unix/max_dgram_qlen").read_text()) + 50


@pytest.fixture
async def streams(tmp_path: Path) -> AsyncIterator[EmbeddedStreams]:
    """The engine's side: the queue broker with its wake-up listener and the table's stream."""
    async with EmbeddedBroker(tmp_path, QUEUES, region=REGION, account=ACCOUNT) as broker:
        opened = EmbeddedStreams(
            tmp_path,
            {},
            {"users": USERS},
            region=REGION,
            account=ACCOUNT,
            waker=broker.waker,
            clock=SystemClock(),
        )
        async with opened:
            yield opened


async def keep_busy(stop: asyncio.Event) -> None:
    """Keep the event loop busy, as a loaded engine's is, letting it turn between slices."""
    while not stop.is_set():
        end = time.perf_counter() + BUSY_SLICE_S
        while time.perf_counter() < end:
            pass
        await asyncio.sleep(0)


async def test_a_table_write_after_a_burst_wakes_its_poller_within_a_second(
    streams: EmbeddedStreams, tmp_path: Path
) -> None:
    """Every round: another process writes many queues then one table item; the table
    stream's waiting poller is woken within a second (never left to its 30 s recheck)."""
    source = await streams.table_source("users")
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        str(tmp_path),
        str(ROUNDS),
        str(burst_size()),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    assert child.stdin is not None
    assert child.stdout is not None
    stop = asyncio.Event()
    busy = asyncio.create_task(keep_busy(stop))
    try:
        assert await asyncio.wait_for(child.stdout.readline(), BURST_TIMEOUT_S) == b"ready\n"
        for round_ in range(ROUNDS):
            version = source.version()
            child.stdin.write(b"go\n")
            await child.stdin.drain()
            line = await asyncio.wait_for(child.stdout.readline(), BURST_TIMEOUT_S)
            assert line == f"put {round_}\n".encode()
            # The put's wake-up was sent before the line was printed: it is due now.
            woken = source.wait_for_records(version, IDLE_RECHECK_SECONDS)
            assert await asyncio.wait_for(woken, WAKE_WITHIN_S) is True, f"round {round_}"
    finally:
        stop.set()
        await busy
        if child.returncode is None:
            child.kill()
        await child.wait()
