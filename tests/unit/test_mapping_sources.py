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
    async with run_sources(tmp_path, {"streams": {"clicks": {}}}) as sources:
        streams = await sources.endpoint_streams()
        assert await sources.embedded_streams("mapping-1") is streams
        await sources.close("mapping-1")
        assert sources.streams is streams
        assert "clicks" in await streams.storage.list_streams()
        await sources.aclose()
        assert sources.streams is None


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
        assert await sources.resources() is config
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
