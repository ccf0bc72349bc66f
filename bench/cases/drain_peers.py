"""Case 1, the peers: Celery (acks late) and Dramatiq, each on the local Redis.

Both drain the same ~200-byte JSON orders with a no-op task and their default worker
settings on this machine. Progress is read from Redis (messages queued or unacknowledged).
CPU is the worker process tree's, from start to exit, plus the Redis server's CPU over the
drain (read from INFO), since Redis is their broker and headrace's broker is in-process.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis

from bench.common import BIN, ROOT, Row, emit, log, mb, measured, payload, start, stop, watch_drain

# A drain that has not finished by then is reported as failed, not waited for.
DRAIN_TIMEOUT_S = 400.0
# Redis pipeline size when filling: big enough to make the fill take seconds, not minutes.
PIPELINE = 1000


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _celery_messages(messages: int, client: redis.Redis) -> None:
    """Fill Celery's queue fast: one message sent by Celery, copied with fresh ids."""
    from bench.peers.celery_app import noop

    noop.apply_async(args=[json.loads(payload(0))])
    (template,) = client.lrange("celery", 0, -1)
    client.delete("celery")
    shape = json.loads(template)
    pipe = client.pipeline(transaction=False)
    for i in range(messages):
        order = json.loads(payload(i))
        body = [[order], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
        task_id = str(uuid.uuid4())
        shape["body"] = base64.b64encode(json.dumps(body).encode()).decode()
        shape["headers"].update(id=task_id, root_id=task_id, argsrepr=repr([order]))
        shape["properties"].update(correlation_id=task_id, delivery_tag=str(uuid.uuid4()))
        pipe.lpush("celery", json.dumps(shape))
        if i % PIPELINE == PIPELINE - 1:
            pipe.execute()
    pipe.execute()


def _dramatiq_messages(messages: int, client: redis.Redis) -> None:
    from bench.peers.dramatiq_app import noop

    for i in range(messages):
        noop.send(json.loads(payload(i)))


def _peer(
    label: str,
    url: str,
    messages: int,
    fill: Callable[[int, redis.Redis], None],
    remaining: Callable[[redis.Redis], int],
    argv: list[str],
) -> Row:
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        began = time.monotonic()
        fill(messages, client)
        log(f"{label}: filled {remaining(client)} messages in {time.monotonic() - began:.1f} s")
        cpu_redis = redis_cpu(client)
        started = time.monotonic()
        proc = start(argv, cwd=ROOT)
        with measured(proc) as sampler:
            try:
                result = watch_drain(lambda: remaining(client), messages, started, DRAIN_TIMEOUT_S)
            finally:
                redis_used = redis_cpu(client) - cpu_redis
                cpu = stop(proc, timeout=30)
    finally:
        client.flushdb()
    log(f"{label}: {result.rate:,.0f} msgs/s, cpu {cpu:.1f} s (+ redis {redis_used:.1f} s)")
    values: dict[str, Any] = {
        "messages": messages,
        "msgs_per_s": round(result.rate),
        "wall_msgs_per_s": round(result.wall_rate),
        "cpu_s": round(cpu + redis_used, 2),
        "broker_cpu_s": round(redis_used, 2),
        "peak_rss_mb": mb(sampler.peak_rss),
    }
    return Row("drain", label, values, ["CPU includes the Redis server's"])


def celery(messages: int) -> Row:
    from bench.peers.celery_app import REDIS_URL

    argv = [
        str(BIN / "celery"),
        "-A",
        "bench.peers.celery_app",
        "worker",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]

    def remaining(client: redis.Redis) -> int:
        return int(client.llen("celery")) + int(client.hlen("unacked"))

    return _peer(
        "Celery (Redis, acks late)", REDIS_URL, messages, _celery_messages, remaining, argv
    )


def dramatiq(messages: int) -> Row:
    from bench.peers.dramatiq_app import REDIS_URL

    argv = [str(BIN / "dramatiq"), "bench.peers.dramatiq_app"]

    def remaining(client: redis.Redis) -> int:
        return int(client.hlen("dramatiq:default.msgs"))

    return _peer("Dramatiq (Redis)", REDIS_URL, messages, _dramatiq_messages, remaining, argv)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--celery-messages", type=int, default=None)
    args = parser.parse_args()
    rows = []
    for run, count in (
        (dramatiq, args.messages),
        (celery, args.celery_messages or args.messages),
    ):
        try:
            rows.append(run(count))
        except Exception as exc:  # one peer failing must not hide the other
            log(f"{run.__name__}: failed: {exc!r}")
            rows.append(Row("drain", run.__name__, {}, [f"failed: {exc!r}"]))
    emit(rows)


if __name__ == "__main__":
    main()
