"""Celery on the local Redis: a no-op task, acks late, JSON, results ignored.

The worker runs with Celery's defaults otherwise (prefork pool, one process per core,
prefetch multiplier 4), which is what a user who picks Celery gets.
"""

from __future__ import annotations

import os

from celery import Celery

# Redis database of the Celery case: flushed before and after, so other users of the local
# Redis are not touched.
REDIS_URL = os.environ.get("BENCH_CELERY_REDIS", "redis://127.0.0.1:6379/13")

app = Celery("bench", broker=REDIS_URL)
app.conf.update(
    task_acks_late=True,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="noop")
def noop(order: dict) -> None:
    """The no-op handler."""
    return None
