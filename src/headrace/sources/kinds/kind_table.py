"""The one table of source kinds, and how a mapping's kind is found in it.

Order matters only for readability: recognition is unambiguous (a test checks that exactly
one kind recognises each recorded ARN, with and without a home).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.sources.kinds.dynamodb_streams_kind import DYNAMODB_STREAMS
from headrace.sources.kinds.embedded_queue_kind import EMBEDDED_QUEUE
from headrace.sources.kinds.embedded_stream_kind import EMBEDDED_STREAM
from headrace.sources.kinds.embedded_table_kind import EMBEDDED_TABLE_STREAM
from headrace.sources.kinds.kind_seam import Home, SourceKind
from headrace.sources.kinds.kinesis_kind import KINESIS
from headrace.sources.kinds.sqs_kind import SQS

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig

SOURCE_KINDS: tuple[SourceKind, ...] = (
    EMBEDDED_QUEUE,
    SQS,
    EMBEDDED_STREAM,
    KINESIS,
    EMBEDDED_TABLE_STREAM,
    DYNAMODB_STREAMS,
)


def recognise(source: Mapping[str, Any], home: Home | None = None) -> SourceKind | None:
    """The kind whose source fields ``source`` holds, or None (§1.6.1: unrecognized).

    Without ``home`` only the fields are known, and the real kind of the service answers;
    its defaults, payload rule and texts are those of the embedded kind of that service.
    """
    for kind in SOURCE_KINDS:
        if kind.recognises(source, home):
            return kind
    return None


def kind_of_arn(arn: str, home: Home | None = None) -> SourceKind | None:
    """:func:`recognise` for a bare ``EventSourceArn``."""
    return recognise({"EventSourceArn": arn}, home)


def kind_for(config: Config, mapping: EventSourceMappingConfig) -> SourceKind | None:
    """The kind of one of ``config``'s mappings, embedded or real, by all its source fields."""
    return recognise(mapping.source_fields(), Home(config.region, config.account))


def kind_named(name: str) -> SourceKind:
    """The registered kind called ``name``; KeyError if there is none."""
    for kind in SOURCE_KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)
