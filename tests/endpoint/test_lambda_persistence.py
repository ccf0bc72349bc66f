"""Mappings made through the Lambda API live in the storage: they survive restarts until
deleted; the file's mappings come back at every start with their UUID (the file wins)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from endpoint_support import running_headrace
from lambda_support import QUEUE_ARN, call, logged, project, settled, wait_for

pytestmark = pytest.mark.timeout(180)


async def test_an_api_mapping_survives_restarts_until_deleted(tmp_path: Path) -> None:
    """Created through the API with its settings, it is there with them after a restart,
    shown by /status; deleted, it stays gone after the next."""
    config = project(tmp_path)
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        created = await call(
            lam.create_event_source_mapping,
            FunctionName="fn",
            EventSourceArn=QUEUE_ARN,
            BatchSize=5,
            Enabled=False,
        )
        uuid = created["UUID"]
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        again = await settled(lam, uuid, "Disabled")
        assert (again["BatchSize"], again["EventSourceArn"]) == (5, QUEUE_ARN)
        status = running.app.status()["EventSourceMappings"]
        assert [s["uuid"] for s in status] == [uuid]
        await call(lam.update_event_source_mapping, UUID=uuid, Enabled=True, BatchSize=7)
        await settled(lam, uuid)
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        assert (await settled(lam, uuid))["BatchSize"] == 7
        await call(lam.delete_event_source_mapping, UUID=uuid)
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        listed = await call(lam.list_event_source_mappings)
        assert listed["EventSourceMappings"] == []


async def test_api_changes_to_a_file_mapping_last_until_the_next_start(tmp_path: Path) -> None:
    """A file mapping has the same UUID at every start; an API update or delete of it holds
    for the run, and the next start brings the file's back (the file wins)."""
    config = project(tmp_path, [{"FunctionName": "fn", "EventSourceArn": QUEUE_ARN}])
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        (mapping,) = (await call(lam.list_event_source_mappings))["EventSourceMappings"]
        uuid = mapping["UUID"]
        await settled(lam, uuid)
        await call(lam.update_event_source_mapping, UUID=uuid, BatchSize=3)
        assert (await settled(lam, uuid))["BatchSize"] == 3
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        assert (await settled(lam, uuid))["BatchSize"] == 10
        await call(lam.delete_event_source_mapping, UUID=uuid)
        await wait_for(lambda: running.app.engine.list() == [], "the file mapping to be gone")
        # The same pair made again through the API, while the file's is deleted.
        remade = await call(
            lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=QUEUE_ARN
        )
        assert remade["UUID"] != uuid
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        listed = (await call(lam.list_event_source_mappings))["EventSourceMappings"]
        assert [m["UUID"] for m in listed] == [uuid]


async def test_create_to_first_delivery_latency(tmp_path: Path) -> None:
    """Measures CreateEventSourceMapping → the first message handled (a waiting message
    delivered by the new mapping); prints it, asserts only that it is delivered."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam, broker = running.client("lambda"), running.app.broker
        await broker.call(broker.queues.send_message, "orders", "first")
        started = time.perf_counter()
        await call(lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=QUEUE_ARN)
        await wait_for(lambda: logged(tmp_path) == ["first"], "the first message")
        print(f"create → first delivery: {(time.perf_counter() - started) * 1000:.1f} ms")
