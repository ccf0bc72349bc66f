"""A ``headrace run`` (the App, in this test's event loop) with its endpoint on a free port,
and boto3 clients pointed at it — the way a user's app or tests reach headrace."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config as BotoConfig

from headrace.app import App, RunOptions
from headrace.config.load import load_config

REGION, ACCOUNT = "us-east-1", "000000000000"
START_WAIT = 30.0


@dataclass
class Running:
    """A running App and its endpoint's URL."""

    app: App
    url: str
    root: Path

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service`` on this endpoint (no retries: errors show)."""
        return boto_client(service, self.url, **config)


def boto_client(
    service: str, url: str, *, key: str = "test", secret: str = "test", **config: Any
) -> Any:
    """A boto3 client signing with ``key``/``secret``; ``config``: botocore Config options."""
    options = {"retries": {"max_attempts": 1}, **config}
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=BotoConfig(**options),
    )


def write_config(root: Path, config: dict[str, Any]) -> Path:
    """``root/headrace.yaml`` from ``config`` (region, account and data_dir filled in)."""
    data = {"region": REGION, "account": ACCOUNT, "data_dir": ".headrace", **config}
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@contextlib.asynccontextmanager
async def running_headrace(
    root: Path, config: dict[str, Any], *, host: str = "127.0.0.1"
) -> AsyncIterator[Running]:
    """Run the App of ``config`` in ``root`` until the block ends, then stop it gracefully.

    ``host`` is the address the endpoint binds; the URL always reaches it on 127.0.0.1.
    """
    app = App(load_config(write_config(root, config)))
    task = asyncio.create_task(app.run(RunOptions(port=0, host=host)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_WAIT
    while app.endpoint_port is None:
        if task.done():
            task.result()  # raises what stopped the start
            raise AssertionError("headrace run ended before its endpoint listened")
        if loop.time() > deadline:
            raise AssertionError("headrace run's endpoint did not listen in time")
        await asyncio.sleep(0.01)
    try:
        yield Running(app, f"http://127.0.0.1:{app.endpoint_port}", root)
    finally:
        app.stop()
        await asyncio.wait_for(task, START_WAIT)


async def call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """One boto3 call off the event loop (the App under test answers on this loop)."""
    result: dict[str, Any] = await asyncio.to_thread(partial(getattr(client, operation), **params))
    return result


def aged_iterator(token: str, seconds: float) -> str:
    """A shard iterator like ``token`` but issued ``seconds`` earlier (for expiry tests)."""
    from headrace.broker.streams.iterators import ShardIterator

    found = ShardIterator.decode(token)
    return ShardIterator(
        found.stream_name,
        found.stream_created_at,
        found.shard_index,
        found.after,
        found.issued_at - int(seconds * 1000),
    ).encode()
