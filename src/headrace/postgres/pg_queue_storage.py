"""The queue storage seam on PostgreSQL: :class:`PgQueueStorage`.

Opens a :class:`~headrace.postgres.pg_queue_core.PgQueueCore` on its own broker thread
(one psycopg connection, one transaction per call) and serves it as a
:class:`~headrace.broker.storage_seam.QueueStorage`. The queue schema is created or
migrated on open (:mod:`headrace.postgres.pg_migrations`). Wake-ups reach this process's
waiters only; across processes (LISTEN/NOTIFY) is still to come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from headrace.broker.core_calls import open_on_thread
from headrace.broker.queue_storage_thread import ThreadedQueueStorage
from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker
from headrace.clock import Clock, SystemClock
from headrace.config.model import QueueConfig
from headrace.postgres.pg_migrations import migrate
from headrace.postgres.pg_queue_core import PgQueueCore
from headrace.postgres.pg_queue_schema import QUEUE_MIGRATIONS


class PgQueueStorage(ThreadedQueueStorage):
    """Queues in a PostgreSQL database; open with :meth:`open`, close with ``aclose``."""

    def __init__(self, core: PgQueueCore, thread: BrokerThread, waker: Waker, clock: Clock) -> None:
        super().__init__(core, call=thread.call, waker=waker, clock=clock, owns=True, thread=thread)

    @classmethod
    async def open(
        cls,
        url: str,
        queues: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        schema: str | None = None,
    ) -> PgQueueStorage:
        """Connect to ``url`` (a libpq URL), migrate, and catalogue ``queues``.

        ``schema`` (optional) is put first on the connection's search_path: where the
        tables are made and read (tests give each run its own).
        """
        clock = clock or SystemClock()
        waker = Waker(asyncio.get_running_loop())
        core, thread = await open_on_thread(
            "headrace-pg-queue",
            _open_core,
            url,
            queues,
            region=region,
            account=account,
            clock=clock,
            schema=schema,
            notify=waker.notify_threadsafe,
        )
        return cls(core, thread, waker, clock)


def _open_core(
    url: str, queues: Mapping[str, QueueConfig], *, schema: str | None, **kwargs: Any
) -> PgQueueCore:
    import psycopg  # the postgres extra; imported only when PostgreSQL storage is used

    options = "" if schema is None else f"-c search_path={schema}"
    conn = psycopg.connect(url, autocommit=True, options=options)
    try:
        migrate(conn, "queue", QUEUE_MIGRATIONS)
        return PgQueueCore(conn, queues, **kwargs)
    except BaseException:
        conn.close()
        raise
