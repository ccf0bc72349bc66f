"""Kinds of event source and their per-source defaults and limits (§1.2, §2.4).

Per-source rules live in typed :class:`SourceDefaults` objects, looked up by
:class:`SourceKind`, never in ``if kind == ...`` chains.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from headrace import arn as arnlib


class SourceKind(enum.Enum):
    """What kind of event source an ARN names."""

    SQS = "sqs"
    KINESIS = "kinesis"
    DYNAMODB = "dynamodb"

    @classmethod
    def of_arn(cls, text: str) -> SourceKind | None:
        parsed = arnlib.parse(text)
        if parsed is None:
            return None
        if parsed.service == "sqs":
            return cls.SQS
        if parsed.service == "kinesis":
            return cls.KINESIS
        if parsed.service == "dynamodb" and "/stream/" in parsed.resource:
            return cls.DYNAMODB
        if parsed.service == "dynamodb" and parsed.resource.startswith("table/"):
            return cls.DYNAMODB
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceDefaults:
    """Per-source defaults and limits of a mapping (§1.2, §2.4)."""

    batch_size: int
    max_batch_size: int
    supports_window: bool = True
    is_stream: bool = False
    # Fields that only make sense on stream mappings.
    starting_position_required: bool = False
    # StartingPosition values the source accepts (§1.2: AT_TIMESTAMP is Kinesis only).
    starting_positions: frozenset[str] = frozenset()
    # A BatchSize above this needs a batching window > 0 (§1.6.7: SQS standard only).
    max_batch_size_without_window: int | None = None
    # ScalingConfig / ProvisionedPollerConfig apply to queues only (§1.2).
    supports_scaling_config: bool = False
    # Name used in messages ("SQS", "Kinesis", "DynamoDB Streams").
    display_name: str = ""


# Every StartingPosition the API knows, in the order AWS lists them (§1.6.5).
STARTING_POSITIONS = ("LATEST", "AT_TIMESTAMP", "TRIM_HORIZON")

SOURCE_DEFAULTS: Mapping[SourceKind, SourceDefaults] = {
    SourceKind.SQS: SourceDefaults(
        batch_size=10,
        max_batch_size=10_000,
        max_batch_size_without_window=10,
        supports_scaling_config=True,
        display_name="SQS",
    ),
    SourceKind.KINESIS: SourceDefaults(
        batch_size=100,
        max_batch_size=10_000,
        is_stream=True,
        starting_position_required=True,
        starting_positions=frozenset(STARTING_POSITIONS),
        display_name="Kinesis",
    ),
    SourceKind.DYNAMODB: SourceDefaults(
        batch_size=100,
        max_batch_size=10_000,
        is_stream=True,
        starting_position_required=True,
        starting_positions=frozenset({"LATEST", "TRIM_HORIZON"}),
        display_name="DynamoDB Streams",
    ),
}
# SQS FIFO: BatchSize 1-10 and no batching window (§1.6.8-1.6.9).
SQS_FIFO_DEFAULTS = SourceDefaults(
    batch_size=10,
    max_batch_size=10,
    supports_window=False,
    supports_scaling_config=True,
    display_name="SQS FIFO",
)
