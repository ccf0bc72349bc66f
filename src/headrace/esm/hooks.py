"""Engine hooks: what a mapping tells as it works, for whatever keeps count of it.

A mapping's pollers, lanes and destinations call one hook at each event instead of
updating counters inline; the metrics (:class:`~headrace.esm.mapping_counters.MappingCounters`)
and ``LastProcessingResult``
(:class:`~headrace.esm.mapping_counters.LastProcessingResult`) are hooks, and a mapping's
:class:`Hooks` passes every event to each of them in turn. The engine gives each mapping
its own hooks (its :class:`~headrace.esm.mapping_core.MappingRecord`), kept across rebuilds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from headrace.esm.lifecycle import MappingState
from headrace.esm.outcome import BatchOutcome


@dataclass(frozen=True, slots=True)
class Settled:
    """Records a batch's outcome disposed of (§8.3): deleted from the queue, dropped, or sent
    to the on-failure destination (``delivered``; a failed send counts in
    ``delivery_failures``)."""

    deleted: int = 0
    dropped: int = 0
    delivered: int = 0
    delivery_failures: int = 0


class EngineHooks(Protocol):
    """The events of one mapping. Every method is called on the event loop, and must not
    block or raise. Each does nothing here: a hook subclasses this Protocol and overrides
    the events it listens to."""

    def batch_received(self, *, polled: int = 0, filtered_out: int = 0) -> None:
        """Records were read (``polled``), or filtered out and never invoked (§6.6)."""
        return None

    def invoke_started(self) -> None:
        """A batch went to the function (it is in flight until :meth:`invoke_ended`)."""
        return None

    def invoke_ended(self) -> None:
        """The invocation returned, failed or was cancelled."""
        return None

    def batch_invoked(self, records: int, outcome: BatchOutcome) -> None:
        """An invocation of ``records`` records ended with ``outcome`` (§8.4, §1.3.5)."""
        return None

    def settled(self, settled: Settled) -> None:
        """Records of a batch were disposed of (:class:`Settled`)."""
        return None

    def problem(self, text: str | None) -> None:
        """The mapping cannot do its work (``text`` says why, in AWS's words); None: the
        problem a source reported is over."""
        return None

    def state_changed(self, state: MappingState, reason: str) -> None:
        """The mapping moved to ``state`` (§1.4)."""
        return None


class Hooks:
    """Every event to each hook in turn (the order given).

    Each event's listeners are bound once, here, as the event's attribute: a hook whose
    method for an event is :class:`EngineHooks`' no-op is left out of that event; an event
    with one listener is that listener's bound method itself (no call in between, the
    hot path's case: only the counters count a batch's records), with several a loop over
    them, with none a no-op.
    """

    __slots__ = (
        "batch_invoked",
        "batch_received",
        "invoke_ended",
        "invoke_started",
        "problem",
        "settled",
        "state_changed",
    )

    batch_received: Callable[..., None]
    invoke_started: Callable[[], None]
    invoke_ended: Callable[[], None]
    batch_invoked: Callable[[int, BatchOutcome], None]
    settled: Callable[[Settled], None]
    problem: Callable[[str | None], None]
    state_changed: Callable[[MappingState, str], None]

    def __init__(self, hooks: Sequence[EngineHooks]) -> None:
        hooks = tuple(hooks)
        self.batch_received = _bound(hooks, "batch_received")
        self.invoke_started = _bound(hooks, "invoke_started")
        self.invoke_ended = _bound(hooks, "invoke_ended")
        self.batch_invoked = _bound(hooks, "batch_invoked")
        self.settled = _bound(hooks, "settled")
        self.problem = _bound(hooks, "problem")
        self.state_changed = _bound(hooks, "state_changed")


def _bound(hooks: tuple[EngineHooks, ...], event: str) -> Callable[..., None]:
    """One callable telling ``event`` to the hooks that listen to it, in their order."""
    listeners = _listeners(hooks, event)
    if len(listeners) == 1:
        return listeners[0]
    if not listeners:
        return _nothing

    def every(*args: Any, **kwargs: Any) -> None:
        for listener in listeners:
            listener(*args, **kwargs)

    return every


def _nothing(*args: Any, **kwargs: Any) -> None:
    """An event no hook listens to."""


def _listeners(hooks: tuple[EngineHooks, ...], event: str) -> tuple[Callable[..., None], ...]:
    """The bound ``event`` methods of ``hooks`` that do something (not the base no-op)."""
    no_op = getattr(EngineHooks, event)
    bound = (getattr(hook, event) for hook in hooks)
    return tuple(method for method in bound if getattr(method, "__func__", None) is not no_op)
