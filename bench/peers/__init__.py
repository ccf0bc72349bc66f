"""The peers' apps: a no-op task for Celery and for Dramatiq, each on its own Redis database."""
