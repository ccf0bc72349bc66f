"""The run's shared files as mappings and the AWS endpoint use them."""

from __future__ import annotations

from pathlib import Path

import yaml

from headrace.broker.embedded import EmbeddedBroker
from headrace.clock import FakeClock
from headrace.config.load import load_config
from headrace.mapping_sources import MappingSources


async def test_the_endpoint_keeps_the_streams_file_open_until_the_run_ends(
    tmp_path: Path,
) -> None:
    """The endpoint's first stream request opens the streams file; a mapping that shares
    it and is deleted does not close it under the endpoint; the run's end closes it."""
    path = tmp_path / "headrace.yaml"
    path.write_text(yaml.safe_dump({"data_dir": "data", "streams": {"clicks": {}}}))
    config = load_config(path)
    clock = FakeClock()
    broker = EmbeddedBroker(
        config.data_dir, config.queues, region=config.region, account=config.account, clock=clock
    )
    async with broker:
        sources = MappingSources(config, broker, clock)
        streams = await sources.endpoint_streams()
        assert await sources.embedded_streams("mapping-1") is streams
        await sources.close("mapping-1")
        assert sources.streams is streams
        assert "clicks" in await streams.storage.list_streams()
        await sources.aclose()
        assert sources.streams is None
