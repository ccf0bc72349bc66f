"""Combining an embedded queue's deletes and receives into as few broker calls as possible.

Every broker call is a hop to the broker thread and a write transaction with its own commit;
at batch size 10 those cost more than the statements inside. The lanes of a mapping delete
and receive all the time, so :class:`CallCombiner` keeps at most one call per queue in flight
and puts everything asked meanwhile into the next one: one hop and one commit for what
several lanes need. With nothing in flight a request goes out at the end of the current
event-loop step, with whatever else that step asked (a lane's delete of its last batch and
its next receive travel together); an idle queue answers as fast as before.

Each caller still gets its own answer: a delete its per-handle results, a receive its
messages. A receive whose caller was cancelled before its answer came hands its messages
back at once (visible again), as a cancelled single receive does. A failed call fails every
request it carried; nothing is retried behind the caller's back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from headrace.broker.storage_seam import QueueExchange
from headrace.events import QueueMessage
from headrace.owned_tasks import OwnedTasks

# One combined call's results and, if a receive found nothing, when to look again.
CombinedAnswer = QueueExchange


@dataclass(frozen=True, slots=True)
class Received:
    """One receive's answer: its messages, or (if none) when the next becomes visible."""

    messages: list[QueueMessage]
    next_visible_at: float | None


# Runs one combined call on the broker thread: (deletes, receives, visibility timeout).
Runner = Callable[[list[list[str]], list[int], int | None], Awaitable[CombinedAnswer]]
# Makes received messages visible again (a cancelled caller's): change_visibility(.., 0).
HandBack = Callable[[list[QueueMessage]], None]


@dataclass(slots=True)
class _Delete:
    handles: list[str]
    future: asyncio.Future[list[bool]]


@dataclass(slots=True)
class _Receive:
    max_messages: int
    visibility_timeout: int | None
    future: asyncio.Future[Received]


@dataclass(frozen=True, slots=True)
class CallCombinerStatistics:
    """How many broker calls carried how many requests."""

    calls: int
    requests: int


@dataclass(slots=True)
class CallCombiner:
    """At most one broker call in flight; requests made meanwhile share the next one."""

    run: Runner
    hand_back: HandBack
    # The owner's background work: each combined call is kept here until it answered.
    tasks: OwnedTasks = field(default_factory=OwnedTasks)
    _pending: list[_Delete | _Receive] = field(default_factory=list)
    _busy: bool = False  # a call is in flight, or about to start
    _calls: int = 0
    _requests: int = 0

    async def delete(self, handles: list[str]) -> list[bool]:
        """Delete by receipt handle; True per handle that deleted its message."""
        future: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        self._submit(_Delete(handles, future))
        return await future

    async def receive(self, max_messages: int, visibility_timeout: int | None) -> Received:
        """Receive up to ``max_messages`` without waiting."""
        future: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        self._submit(_Receive(max_messages, visibility_timeout, future))
        return await future

    def statistics(self) -> CallCombinerStatistics:
        return CallCombinerStatistics(self._calls, self._requests)

    def _submit(self, request: _Delete | _Receive) -> None:
        self._pending.append(request)
        if not self._busy:
            self._busy = True
            asyncio.get_running_loop().call_soon(self._start)

    def _take(self) -> list[_Delete | _Receive]:
        """Every pending delete, and the pending receives sharing the first one's timeout.

        A receive cancelled before it was sent is dropped; a cancelled delete still goes
        (its batch was processed: deleting it is right, whoever waits for the answer).
        """
        live = [r for r in self._pending if isinstance(r, _Delete) or not r.future.done()]
        receives = [r for r in live if isinstance(r, _Receive)]
        timeout = receives[0].visibility_timeout if receives else None
        taken = [r for r in live if isinstance(r, _Delete) or r.visibility_timeout == timeout]
        sent = {id(r) for r in taken}
        self._pending = [r for r in live if id(r) not in sent]
        return taken

    def _start(self) -> None:
        taken = self._take()
        if not taken:
            self._busy = False
            return
        deletes = [r.handles for r in taken if isinstance(r, _Delete)]
        receives = [r for r in taken if isinstance(r, _Receive)]
        timeout = receives[0].visibility_timeout if receives else None
        self._calls += 1
        self._requests += len(taken)
        try:
            call = self.tasks.spawn(self.run(deletes, [r.max_messages for r in receives], timeout))
        except Exception as exc:  # the broker or the owner is closed: every request hears it
            self._fail(taken, exc)
            self._start()  # what is left (another visibility timeout) still gets its answer
            return
        call.add_done_callback(lambda done: self._finish(taken, done))

    def _finish(
        self, taken: list[_Delete | _Receive], call: asyncio.Future[CombinedAnswer]
    ) -> None:
        if call.cancelled():
            self._fail(taken, asyncio.CancelledError())
        elif (error := call.exception()) is not None:
            self._fail(taken, error)
        else:
            self._answer(taken, call.result())
        self._start()

    @staticmethod
    def _fail(taken: list[_Delete | _Receive], error: BaseException) -> None:
        for request in taken:
            if not request.future.done():
                request.future.set_exception(error)

    def _answer(self, taken: list[_Delete | _Receive], answer: CombinedAnswer) -> None:
        deleted = iter(answer.deleted)
        received = iter(answer.received)
        for request in taken:
            if isinstance(request, _Delete):
                results = next(deleted)
                if not request.future.done():
                    request.future.set_result(results)
                continue
            messages = next(received)
            if request.future.done():  # the caller was cancelled: hand the messages back
                if messages:
                    self.hand_back(messages)
                continue
            next_at = None if messages else answer.next_visible_at
            request.future.set_result(Received(messages, next_at))
