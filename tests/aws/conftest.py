"""Fixtures for the SQS source's tests on moto's server (started by ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aws_support import REGION, Queues

from headrace.aws.clients import AwsSettings, create_client


@pytest.fixture
def queues(moto_endpoint: str) -> Iterator[Queues]:
    made = Queues(moto_endpoint)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
async def aio_client(moto_endpoint: str) -> AsyncIterator[Any]:
    """An aiobotocore SQS client on moto, made by headrace's own factory."""
    settings = AwsSettings(endpoint_url=moto_endpoint, environment={})
    async with create_client("sqs", REGION, settings, max_connections=10) as client:
        yield client
