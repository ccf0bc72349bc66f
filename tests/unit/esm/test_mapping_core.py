"""The shared mapping core: a kind must supply the enabled mapping's work."""

from __future__ import annotations

import pytest

from headrace.config.model import EventSourceMappingConfig
from headrace.esm.mapping_core import MappingCore, MappingRecord

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"


class NoWork(MappingCore):
    """A kind that forgot ``_run_enabled``."""


def test_kind_without_run_enabled_cannot_be_built() -> None:
    """A MappingCore subclass without ``_run_enabled`` fails at construction, not at run."""
    config = EventSourceMappingConfig(uuid="u", event_source_arn=QUEUE_ARN, function_name="f")
    with pytest.raises(TypeError, match="_run_enabled"):
        NoWork(config, MappingRecord())  # type: ignore[abstract]
