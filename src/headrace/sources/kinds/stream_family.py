"""What the four stream kinds share: stream defaults, payloads, recognition and resolution."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace import arn as arnlib
from headrace.sources.kinds.kind_seam import (
    STARTING_POSITIONS,
    Home,
    PayloadSpec,
    ResolvedSource,
    SourceDefaults,
    SourceKind,
    Unresolved,
)

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig

KINESIS_DEFAULTS = SourceDefaults(
    batch_size=100,
    max_batch_size=10_000,
    is_stream=True,
    starting_position_required=True,
    starting_positions=frozenset(STARTING_POSITIONS),
    display_name="Kinesis",
)
DYNAMODB_DEFAULTS = SourceDefaults(
    batch_size=100,
    max_batch_size=10_000,
    is_stream=True,
    starting_position_required=True,
    # §1.2: AT_TIMESTAMP is Kinesis only.
    starting_positions=frozenset({"LATEST", "TRIM_HORIZON"}),
    display_name="DynamoDB Streams",
)


def _kinesis_data(record: Mapping[str, Any]) -> Any:
    kinesis = record.get("kinesis")
    return kinesis.get("data") if isinstance(kinesis, Mapping) else None


def _unbase64(raw: str) -> bytes:
    return base64.b64decode(raw, validate=True)  # binascii.Error is a ValueError


# §6.5: ``kinesis.data`` is base64; patterns name it ``data`` and see the decoded JSON.
KINESIS_PAYLOAD = PayloadSpec(key="data", extract=_kinesis_data, unwrap=_unbase64, plain_text=False)


def arn_at_home(
    source: Mapping[str, Any], home: Home | None, service: str, *, table: bool = False
) -> bool | None:
    """None if ``EventSourceArn`` is not a ``service`` stream ARN; else whether it is home.

    ``table``: a DynamoDB table ARN or table-stream ARN (a table ARN means its stream).
    """
    text = source.get("EventSourceArn")
    parsed = arnlib.parse(text) if isinstance(text, str) else None
    if parsed is None or parsed.service != service:
        return None
    if table and not ("/stream/" in parsed.resource or parsed.resource.startswith("table/")):
        return None
    return home is not None and (parsed.region, parsed.account) == (home.region, home.account)


def real_stream(kind: SourceKind, arn: str) -> ResolvedSource:
    """A stream on AWS: accepted as is, checked when ``headrace run`` opens it."""
    return ResolvedSource(arn, kind, kind.defaults, None, arn)


def home_stream(kind: SourceKind, arn: str, found: bool) -> ResolvedSource | Unresolved:
    """An embedded stream or table stream; a table and its stream are the same source."""
    if not found:
        return Unresolved(f"Stream not found: {arn}")
    parsed = arnlib.parse(arn)
    assert parsed is not None  # recognised
    identity = f"{parsed.service}:{parsed.region}:{parsed.account}:{parsed.resource_name}"
    return ResolvedSource(arn, kind, kind.defaults, None, identity)


def stream_lanes(config: Config, mapping: EventSourceMappingConfig, shards: int) -> int:
    """§5.2: one lane per shard and ParallelizationFactor."""
    return shards * (mapping.parallelization_factor or 1)


def role_of(config: Config, function_name: str) -> str:
    """The function's role, or the one headrace makes up (§3.2.1's invokeIdentityArn)."""
    function = config.functions[function_name]
    return function.role or f"arn:aws:iam::{config.account}:role/{function.name}-role"


class StreamKindBase:
    """What the four stream kinds share; each adds recognition, resolution and opening.

    Their lag shows per shard in the engine's snapshot, so ``status`` adds nothing.
    """

    def built(self, config: Config, arn: str) -> bool:
        """Real resources are not in the file: always usable."""
        return True

    def duplicate_message(self, arn: str, function: str, first_uuid: str) -> str:
        """§1.6.15: the stream form of ResourceConflictException's text."""
        return (
            f'The event source arn (" {arn} ") and function (" {function} ") provided '
            "mapping already exists. Please update or delete the existing mapping with UUID "
            f"{first_uuid}"
        )

    def lanes(self, config: Config, mapping: EventSourceMappingConfig) -> int:
        """§5.2: one lane per shard and ParallelizationFactor; a real stream's shards are
        unknown until ``run``, so one."""
        return stream_lanes(config, mapping, 1)

    def status(
        self, config: Config, mapping: EventSourceMappingConfig, depths: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {}


class KinesisKindBase(StreamKindBase):
    """Kinesis' limits and payload (§1.2, §6.5), embedded or real."""

    defaults: SourceDefaults = KINESIS_DEFAULTS
    payload: PayloadSpec | None = KINESIS_PAYLOAD


class DynamoDBKindBase(StreamKindBase):
    """DynamoDB Streams' limits (§1.2); no payload rule: patterns see the record (§6.5)."""

    defaults: SourceDefaults = DYNAMODB_DEFAULTS
    payload: PayloadSpec | None = None


def kinesis_shape(config: Config, source_arn: str, function_name: str) -> Any:
    """A Kinesis record shape for ``source_arn``'s records (§3.2)."""
    from headrace.aws.clients import region_of
    from headrace.sources.kinds.record_shapes import KinesisShape

    region = region_of(source_arn, config.region)
    return KinesisShape(source_arn, region, role_of(config, function_name))


def resource_name(arn: str) -> str:
    """The stream's or table's name in a recognised ARN."""
    parsed = arnlib.parse(arn)
    return parsed.resource_name if parsed is not None else ""
