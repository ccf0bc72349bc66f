"""PostgreSQL storage (the ``postgres`` extra: psycopg 3 and psycopg-pool), so that many
``headrace run`` processes can share one database (issue 11; not wired into ``run`` yet).

Nothing here imports psycopg at import time, so the base install never needs it. So far:
:class:`~headrace.postgres.pg_queue_storage.PgQueueStorage`, the queue storage seam, and the
state seam (:mod:`headrace.postgres.pg_state`: checkpoints, fenced leases, mapping registry,
status), each with versioned tables (:mod:`headrace.postgres.pg_migrations`).
"""
