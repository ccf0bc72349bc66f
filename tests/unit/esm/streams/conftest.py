"""Fixtures of the stream engine tests; the harness lives in :mod:`stream_harness`."""

from __future__ import annotations

import pytest
from stream_harness import MakeStreamHarness, make_stream_harness_factory


@pytest.fixture
def make_stream_harness() -> MakeStreamHarness:
    return make_stream_harness_factory()
