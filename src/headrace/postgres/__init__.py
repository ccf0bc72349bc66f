"""PostgreSQL storage backends (the ``postgres`` extra: psycopg 3 and psycopg-pool).

Nothing here imports psycopg at import time, so the base install never needs it. So far:
:class:`~headrace.postgres.pg_queue_storage.PgQueueStorage`, the queue storage seam on
PostgreSQL, with its versioned schema (:mod:`headrace.postgres.pg_migrations`).
"""
