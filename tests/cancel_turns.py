"""Checking that a cancel is never swallowed, whichever loop turn it lands on."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_on_turn(task: asyncio.Future[Any], turns: int) -> None:
    """Let the loop run ``turns`` times, cancel ``task`` and wait until it ends: fail if the
    cancel was delivered (``cancel()`` True) but the task did not end cancelled."""
    for _ in range(turns):
        await asyncio.sleep(0)
    delivered = task.cancel()
    await asyncio.wait({task})
    assert task.cancelled() or not delivered, f"cancel swallowed after {turns} turns"
