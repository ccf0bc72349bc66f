"""What the stream engine needs from a stream kind's record shaping (§3.2, §3.3, §4.2.10).

The concrete shapes (Kinesis, DynamoDB) belong to their kinds in
:mod:`headrace.sources.kinds`; the engine sees only this Protocol.
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from headrace.events import StreamRecord


class RecordShape(Protocol):
    """One stream kind's record shaping (§3.2, §3.3) and on-failure batch info (§4.2.10).

    A shape gives each record's JSON once, as bytes (payloads are spliced from them, never
    re-encoded), the record as a dict only where a filter needs one, and the ordering key
    that ParallelizationFactor keeps in order (§5.2).
    """

    @property
    def batch_info_key(self) -> str:
        """``KinesisBatchInfo`` or ``DDBStreamBatchInfo``."""
        ...

    def encode(self, record: StreamRecord) -> bytes:
        """The record as Lambda puts it in ``Records``, as JSON bytes."""
        ...

    def event_record(self, record: StreamRecord) -> dict[str, Any]:
        """The same record as a dict (for filter patterns)."""
        ...

    def ordering_key(self, record: StreamRecord) -> str:
        """The key whose records stay in order across lanes (§5.2)."""
        ...

    def arrival_text(self, epoch_seconds: float) -> str:
        """An arrival time as the on-failure record writes it (§4.2.10)."""
        ...


def iso_millis(epoch_seconds: float) -> str:
    """``2019-11-14T00:38:04.835Z``: UTC with milliseconds, as the on-failure record
    writes its own times (§4.2.10)."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
