"""The run's shared files as mappings and the AWS endpoint use them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml

from headrace.broker.embedded import EmbeddedBroker
from headrace.clock import FakeClock
from headrace.config.load import load_config
from headrace.config.model import Config, QueueConfig
from headrace.config.resources import StreamConfig
from headrace.mapping_sources import MappingSources


@contextlib.asynccontextmanager
async def run_sources(root: Path, document: dict[str, Any]) -> AsyncIterator[MappingSources]:
    """A run's MappingSources over the config ``document`` (data_dir ``root/data``)."""
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump({"data_dir": "data", **document}))
    config = load_config(path)
    clock = FakeClock()
    broker = EmbeddedBroker(
        config.data_dir, config.queues, region=config.region, account=config.account, clock=clock
    )
    async with broker:
        yield MappingSources(config, broker, clock)


async def test_the_endpoint_keeps_the_streams_file_open_until_the_run_ends(
    tmp_path: Path,
) -> None:
    """The endpoint's first stream request opens the streams file; a mapping that shares
    it and is deleted does not close it under the endpoint; the run's end closes it."""
    config, clock = _config(tmp_path, {"streams": {"clicks": {}}}), FakeClock()
    async with _broker(config, clock) as broker:
        sources = MappingSources(config, broker, clock)
        streams = await sources.endpoint_streams()
        assert await sources.embedded_streams("mapping-1") is streams
        await sources.close("mapping-1")
        assert sources.streams is streams
        assert "clicks" in await streams.storage.list_streams()
        await sources.aclose()
        assert sources.streams is None


async def test_resources_are_the_queues_and_streams_that_exist_now(tmp_path: Path) -> None:
    """What mapping requests are checked and opened against: the broker's queues (one
    CreateQueue made, with its attributes; none DeleteQueue removed, even the file's) and
    the streams CreateStream made beside the file's (the file's win a name in both)."""
    data = {"queues": {"filed": {}, "gone": {}}, "streams": {"clicks": {}}}
    config, clock = _config(tmp_path, data), FakeClock()
    async with _broker(config, clock) as broker:
        sources = MappingSources(config, broker, clock)
        assert (await sources.resources()).streams == config.streams  # no streams file yet
        made = QueueConfig(name="made", visibility_timeout=5)
        await broker.call(broker.queues.create_queue, "made", made)
        await broker.call(broker.queues.delete_queue, "gone")
        streams = (await sources.endpoint_streams()).storage
        await streams.create_stream("more", StreamConfig(name="more", shard_count=2))
        await streams.create_stream("clicks", StreamConfig(name="clicks", shard_count=4))
        live = await sources.resources()
        assert live.queues == {"filed": config.queues["filed"], "made": made}
        assert live.streams == {
            "clicks": config.streams["clicks"],
            "more": StreamConfig(name="more", shard_count=2),
        }
        assert config.queues.keys() == {"filed", "gone"}  # the file's config is left as is
        await sources.aclose()


def _config(root: Path, data: dict[str, Any]) -> Config:
    """The config of ``data`` (its data_dir in ``root``)."""
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump({"data_dir": "data", **data}))
    return load_config(path)


def _broker(config: Config, clock: FakeClock) -> EmbeddedBroker:
    return EmbeddedBroker(
        config.data_dir, config.queues, region=config.region, account=config.account, clock=clock
    )


async def test_resources_add_the_tables_create_table_made(tmp_path: Path) -> None:
    """A table CreateTable made is in ``resources()`` (so a mapping can name it, as a
    declared one); the file's table of the same name wins; without a streams file the
    config is the file's."""
    from headrace.config.resources import TableConfig

    keys = {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    }
    async with run_sources(tmp_path, {"tables": {"users": keys}}) as sources:
        config = sources.config
        assert (await sources.resources()).tables == config.tables  # no streams file yet
        streams = await sources.endpoint_streams()
        await streams.tables.create_table(TableConfig.from_aws("orders", keys))
        resources = await sources.resources()
        assert sorted(resources.tables) == ["orders", "users"]
        assert resources.tables["users"] is config.tables["users"]
        orders_arn = f"arn:aws:dynamodb:{config.region}:{config.account}:table/orders"
        assert resources.table_by_arn(orders_arn) is not None
        await streams.tables.delete_table("orders")
        assert sorted((await sources.resources()).tables) == ["users"]
        await sources.aclose()
