"""What the engine sees of a source: the Protocols every concrete source implements.

The engine (``headrace.esm``) imports only this module; concrete sources (the embedded
broker, real SQS, ...) are chosen in one place from the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from headrace.events import QueueMessage


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """How many messages a queue holds, by state (SQS's ApproximateNumberOf* attributes)."""

    visible: int
    in_flight: int
    delayed: int

    @property
    def total(self) -> int:
        return self.visible + self.in_flight + self.delayed


class QueueSource(Protocol):
    """A queue with SQS semantics, as a mapping's poller reads it."""

    @property
    def arn(self) -> str: ...

    @property
    def fifo(self) -> bool: ...

    @property
    def visibility_timeout(self) -> int:
        """The queue's default visibility timeout, seconds."""
        ...

    async def wait_visible(self, timeout: float) -> bool:
        """Wait until the queue may have a visible message, or ``timeout`` seconds pass.

        Returns True when a message may be visible (a hint: a receive can still come back
        empty), False when the wait ran out. Receives nothing, so waiting costs no receive
        counts: pollers wait here, reserve a worker, and only then receive.
        """
        ...

    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """Receive up to ``max_messages``; wait up to ``wait_seconds`` for the first one.

        Returns as soon as at least one message is available (long polling); an empty list
        means the wait ran out. Messages that exhausted their receives are moved to the
        dead-letter queue by the source, never returned.
        """
        ...

    async def delete(self, messages: Sequence[QueueMessage]) -> int:
        """Delete messages by receipt handle; return how many were deleted.

        A message whose receipt handle is stale (it was received again since) is not
        deleted and not counted.
        """
        ...

    async def change_visibility(self, messages: Sequence[QueueMessage], timeout: int) -> None:
        """Set the remaining visibility timeout of in-flight messages (0 = visible now)."""
        ...

    async def depth(self) -> QueueDepth:
        """How many messages the queue holds now."""
        ...

    async def aclose(self) -> None: ...
