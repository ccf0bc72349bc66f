"""Dramatiq on the local Redis: a no-op actor (Dramatiq acknowledges after the actor ran)."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker

# Redis database of the Dramatiq case: flushed before and after.
REDIS_URL = os.environ.get("BENCH_DRAMATIQ_REDIS", "redis://127.0.0.1:6379/14")

broker = RedisBroker(url=REDIS_URL)
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name="default", max_retries=0)
def noop(order: dict) -> None:
    """The no-op handler."""
    return None
