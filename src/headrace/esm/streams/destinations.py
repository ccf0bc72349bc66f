"""On-failure destinations: the invocation record of §4.2.10 for discarded stream records.

When the retry policy gives records up (§4.2.7) the lane hands them to :class:`OnFailure`,
which sends one record describing them to the mapping's ``DestinationConfig.OnFailure``
destination through a :class:`DestinationSender` and counts what happened (§8.4):
``OnFailureDestinationDeliveredEventCount`` when the send worked, ``DestinationDeliveryFailures``
and ``DroppedEventCount`` when it failed, ``DroppedEventCount`` when there is no destination.
Either way the records are settled: the checkpoint moves past them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import msgspec

from headrace.clock import Clock
from headrace.errors import HeadraceError
from headrace.esm.hooks import EngineHooks, Settled
from headrace.esm.streams.policy import Attempt, Condition
from headrace.esm.streams.shapes import RecordShape, iso_millis
from headrace.events import StreamRecord

log = logging.getLogger("headrace.streams")

# §4.2.10: the record's format version and the fields Lambda fills for a synchronous call.
RECORD_VERSION = "1.0"
STATUS_CODE = 200
EXECUTED_VERSION = "$LATEST"

_encoder = msgspec.json.Encoder()


class DestinationSender(Protocol):
    """Delivers on-failure records to one destination (an SQS queue's message body, §4.2.10)."""

    @property
    def arn(self) -> str: ...

    async def send(self, body: str) -> None:
        """Deliver ``body``; raise a :class:`~headrace.errors.HeadraceError` if it failed."""
        ...


@runtime_checkable
class PayloadDestinationSender(Protocol):
    """A destination that also stores the original invocation event (S3, §4.2.15)."""

    async def send_with_payload(self, body: str, payload: str) -> None:
        """Deliver ``body`` with ``payload`` (``{"Records":[...]}`` as JSON text)."""
        ...


def invocation_payload(shape: RecordShape, records: Sequence[StreamRecord]) -> str:
    """The invocation event of ``records`` as JSON text (§4.2.15's ``payload``)."""
    return (b'{"Records":[' + b",".join(shape.encode(r) for r in records) + b"]}").decode()


@dataclass(frozen=True, kw_only=True, slots=True)
class FailureTarget:
    """What every on-failure record of one mapping names: the function and the stream."""

    function_arn: str
    stream_arn: str
    shape: RecordShape


def on_failure_record(
    target: FailureTarget,
    *,
    shard_id: str,
    records: Sequence[StreamRecord],
    condition: Condition,
    attempt: Attempt,
    timestamp: float,
) -> dict[str, Any]:
    """The invocation record of §4.2.10-4.2.14 for ``records`` (in shard order, non-empty).

    ``responseContext`` is left out for RecordAgeExceeded (§4.2.11).
    ``approximateInvokeCount`` counts the real invocations that carried the records
    (§4.2.13), across restarts: 0 for records that aged out before any invocation. (AWS's
    recordings never show 0; issue 8 chose the true count over a made-up 1.)
    """
    first, last = records[0], records[-1]
    out: dict[str, Any] = {
        "requestContext": {
            "requestId": attempt.request_id or str(uuid.uuid4()),
            "functionArn": target.function_arn,
            "condition": condition.value,
            "approximateInvokeCount": attempt.invocations,
        }
    }
    if condition is Condition.RETRY_ATTEMPTS_EXHAUSTED:
        out["responseContext"] = {
            "statusCode": STATUS_CODE,
            "executedVersion": EXECUTED_VERSION,
            "functionError": attempt.function_error,
        }
    shape = target.shape
    out["version"] = RECORD_VERSION
    out["timestamp"] = iso_millis(timestamp)
    out[shape.batch_info_key] = {
        "shardId": shard_id,
        "startSequenceNumber": first.sequence_number,
        "endSequenceNumber": last.sequence_number,
        "approximateArrivalOfFirstRecord": shape.arrival_text(first.approximate_arrival_timestamp),
        "approximateArrivalOfLastRecord": shape.arrival_text(last.approximate_arrival_timestamp),
        "batchSize": len(records),
        "streamArn": target.stream_arn,
    }
    return out


class OnFailure:
    """Reports discarded records to the destination (if any) and counts the outcome."""

    def __init__(
        self,
        target: FailureTarget,
        sender: DestinationSender | None,
        hooks: EngineHooks,
        clock: Clock,
    ) -> None:
        self.target = target
        self.sender = sender
        self._hooks = hooks
        self._clock = clock

    async def discard(
        self,
        shard_id: str,
        records: Sequence[StreamRecord],
        condition: Condition,
        attempt: Attempt,
    ) -> None:
        """Report ``records`` as given up for ``condition``. Never raises for a failed send."""
        if not records:
            return
        hooks = self._hooks
        if self.sender is None:
            hooks.settled(Settled(dropped=len(records)))
            return
        record = on_failure_record(
            self.target,
            shard_id=shard_id,
            records=records,
            condition=condition,
            attempt=attempt,
            timestamp=self._clock.time(),
        )
        body = _encoder.encode(record).decode("utf-8")
        try:
            if isinstance(self.sender, PayloadDestinationSender):
                payload = invocation_payload(self.target.shape, records)
                await self.sender.send_with_payload(body, payload)
            else:
                await self.sender.send(body)
        except HeadraceError as exc:
            hooks.settled(Settled(dropped=len(records), delivery_failures=1))
            log.warning("on-failure destination %s: delivery failed: %s", self.sender.arn, exc)
        else:
            hooks.settled(Settled(delivered=len(records)))
