"""Tumbling windows (§3.4): window alignment, carried state, and the window's event keys.

A window is ``[start, start + TumblingWindowInSeconds)`` with ``start`` a multiple of the
window length in epoch seconds, chosen by each record's approximate arrival time (§3.4.3).
Each lane keeps one :class:`OpenWindow`: the state the function returned last (``{}`` for
the first invocation of a window, §3.4.2 choice) and the records it processed, which are
settled only when the final invocation (``isFinalInvokeForWindow: true``, no records, §3.4.4
choice) succeeds. A state over 1 MB ends the window early (§3.4.5).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from headrace.esm.streams.ledger import Entry
from headrace.esm.streams.policy import Attempt

# §3.4.5 / §9.8: the largest state a function may carry in a window (1 MB per shard).
MAX_STATE_BYTES = 1_048_576

_encoder = msgspec.json.Encoder()


def window_start(arrival: float, seconds: int) -> float:
    """The start of the window holding ``arrival``: a multiple of ``seconds`` (§3.4.3)."""
    return math.floor(arrival / seconds) * seconds


def _utc(epoch_seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class OpenWindow:
    """One lane's current window: its bounds, carried state and processed records."""

    start: float
    seconds: int
    state: Any = field(default_factory=dict)
    held: list[Entry] = field(default_factory=list)
    terminated_early: bool = False
    final_attempt: Attempt = field(default_factory=Attempt)

    @property
    def end(self) -> float:
        return self.start + self.seconds

    def to_aws(self) -> dict[str, str]:
        """``{"start": "2020-12-09T07:04:00Z", "end": ...}`` (§3.4)."""
        return {"start": _utc(self.start), "end": _utc(self.end)}

    def accept(self, processed: Sequence[Entry], state: Any) -> None:
        """Records the function processed, and the state it returned for them."""
        self.held.extend(processed)
        self.state = state
        if len(_encoder.encode(state)) > MAX_STATE_BYTES:
            self.terminated_early = True

    def state_size(self) -> int:
        """Bytes the state adds to an invocation payload."""
        return len(_encoder.encode(self.state))


def records_payload(records: Sequence[bytes]) -> bytes:
    """``{"Records": [...]}`` spliced from the records' JSON (§3)."""
    return b"".join((b'{"Records":[', b",".join(records), b"]}"))


def window_payload(
    records: Sequence[bytes],
    window: OpenWindow,
    *,
    shard_id: str,
    stream_arn: str,
    final: bool,
) -> bytes:
    """The invocation event of a tumbling window, keys in §3.4's order."""
    rest = _encoder.encode(
        {
            "window": window.to_aws(),
            "state": window.state,
            "shardId": shard_id,
            "eventSourceARN": stream_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": final and window.terminated_early,
        }
    )
    return b"".join((b'{"Records":[', b",".join(records), b"],", rest[1:]))
