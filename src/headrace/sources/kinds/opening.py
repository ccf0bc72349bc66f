"""What a kind needs from ``headrace run`` to open its source, and what it hands back.

``headrace run`` implements :class:`OpenContext` (:mod:`headrace.mapping_sources`: the
embedded broker, the embedded streams file, the mapping's own exit stack and the clock) and
calls ``kind.open(ctx, mapping)`` once per mapping, when the mapping is created (from the
file at start, or at run time). The kind returns an :class:`OpenedSource`: the source
and the record shape the engine builds events with. A queue kind's source need only have
the core (:class:`~headrace.sources.source_seam.SourceCore`): the engine reads whatever
capabilities it declares, once, when it builds the mapping.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from headrace.broker.embedded import EmbeddedBroker
    from headrace.clock import Clock
    from headrace.config.model import Config
    from headrace.sources.embedded_streams import EmbeddedStreams
    from headrace.sources.source_seam import SourceCore, StreamSource


class OpenContext(Protocol):
    """The run's shared resources, as a kind's opener sees them."""

    @property
    def config(self) -> Config: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def stack(self) -> contextlib.AsyncExitStack:
        """The mapping's own exit stack: what is entered here (clients, a source's
        ``aclose``) closes when the mapping is deleted, or at the end of the run."""
        ...

    @property
    def broker(self) -> EmbeddedBroker: ...

    async def embedded_streams(self) -> EmbeddedStreams:
        """The embedded streams and tables file, opened on first use and closed once no
        mapping uses it."""
        ...


@dataclass(frozen=True, slots=True)
class OpenedSource:
    """An opened source and its record shape: for queue kinds any ``SourceCore`` (plus the
    capabilities it declares) and the engine's ``QueueRecordShape``; for stream kinds a
    ``StreamSource`` and its ``RecordShape`` (the kind's ``defaults.is_stream`` says which).

    ``counters_sink`` is called with the mapping's hooks (a ``ProblemListener``) each time
    the engine builds the mapping, for sources that show their own problems as
    LastProcessingResult.
    """

    source: SourceCore | StreamSource
    shape: Any
    counters_sink: Callable[[Any], None] | None = None
