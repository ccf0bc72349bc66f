"""What the embedded queue and real SQS kinds share: SQS's defaults, records and texts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from headrace import arn as arnlib
from headrace.events import QueueMessage, sqs_records
from headrace.sources.kinds.kind_seam import Home, PayloadSpec, SourceDefaults

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig

SQS_DEFAULTS = SourceDefaults(
    batch_size=10,
    max_batch_size=10_000,
    max_batch_size_without_window=10,
    supports_scaling_config=True,
    display_name="SQS",
)
# SQS FIFO: BatchSize 1-10 and no batching window (§1.6.8-1.6.9).
SQS_FIFO_DEFAULTS = SourceDefaults(
    batch_size=10,
    max_batch_size=10,
    supports_window=False,
    supports_scaling_config=True,
    display_name="SQS FIFO",
)
# §1.6.11: the text AWS returns for a queue that does not exist.
QUEUE_NOT_FOUND = (
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
    "SQS Error Message: The specified queue does not exist."
)
# §5.6: AWS starts five concurrent batches per queue mapping.
INITIAL_QUEUE_BATCHES = 5
# §3.1: the event is ``{"Records":[...]}``; these are the bytes around the records.
_OPEN, _CLOSE = b'{"Records":[', b"]}"

_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class SqsRecordShape:
    """SQS event records (§3.1) of one queue, and the ``{"Records":[...]}`` envelope."""

    source_arn: str
    region: str
    envelope_bytes: int = len(_OPEN) + len(_CLOSE)
    # The record builder with this queue's ARN and region bound once: called per message,
    # it is the builder itself, not a method around it.
    record: Callable[[QueueMessage], Mapping[str, Any]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "record", sqs_records(self.source_arn, self.region))

    # The encoder itself, not a method around it: one Python frame less per message.
    encode = staticmethod(_encode)

    def envelope(self, encoded: Sequence[bytes]) -> bytes:
        return _OPEN + b",".join(encoded) + _CLOSE


def sqs_shape(config: Config, mapping: EventSourceMappingConfig) -> SqsRecordShape:
    """The record shape of ``mapping``'s queue; records name the queue's own region."""
    from headrace.aws.clients import region_of

    arn = mapping.event_source_arn
    return SqsRecordShape(arn, region_of(arn, config.region))


def _body(record: Mapping[str, Any]) -> Any:
    return record.get("body")


def _as_text(raw: str) -> str:
    return raw


# §6.5: ``body`` is a string; JSON bodies match object patterns, others value arrays.
SQS_PAYLOAD = PayloadSpec(key="body", extract=_body, unwrap=_as_text, plain_text=True)


def sqs_arn_at_home(source: Mapping[str, Any], home: Home | None) -> bool | None:
    """None if ``EventSourceArn`` is not an SQS ARN; else whether it is in ``home``."""
    text = source.get("EventSourceArn")
    parsed = arnlib.parse(text) if isinstance(text, str) else None
    if parsed is None or parsed.service != "sqs":
        return None
    return home is not None and (parsed.region, parsed.account) == (home.region, home.account)


class QueueKindBase:
    """What the embedded queue and real SQS kinds share; each adds recognition,
    resolution, opening and status."""

    defaults: SourceDefaults = SQS_DEFAULTS
    payload: PayloadSpec | None = SQS_PAYLOAD

    def built(self, config: Config, arn: str) -> bool:
        """Real resources are not in the file: always usable."""
        return True

    def duplicate_message(self, arn: str, function: str, first_uuid: str) -> str:
        """§1.6.15: the SQS form of ResourceConflictException's text."""
        return (
            f'An event source mapping with SQS arn (" {arn} ") and function '
            f'(" {function} ") already exists. Please update or delete the existing mapping '
            f"with UUID {first_uuid}"
        )

    def lanes(self, config: Config, mapping: EventSourceMappingConfig) -> int:
        """§5.6: five batches per queue mapping at the start."""
        return INITIAL_QUEUE_BATCHES


def depth_fields(depth: Any) -> dict[str, int]:
    """A queue depth as ``status`` shows it."""
    return {"Visible": depth.visible, "InFlight": depth.in_flight, "Delayed": depth.delayed}
