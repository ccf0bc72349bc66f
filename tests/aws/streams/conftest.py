"""Fixtures of the AWS stream tests: moto clients, and sources opened on moto."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
from streams_support import REGION, Moto, QuickClock

from headrace.aws.clients import AwsSettings


@pytest.fixture
def moto(moto_endpoint: str) -> Iterator[Moto]:
    made = Moto(moto_endpoint)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def settings(moto_endpoint: str) -> AwsSettings:
    return AwsSettings(endpoint_url=moto_endpoint, environment={})


@pytest.fixture
def clock() -> QuickClock:
    return QuickClock()


@pytest.fixture
async def stack() -> AsyncIterator[contextlib.AsyncExitStack]:
    async with contextlib.AsyncExitStack() as exits:
        yield exits


__all__ = ["REGION"]
