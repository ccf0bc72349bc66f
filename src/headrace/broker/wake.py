"""Wake-ups: a send in any process wakes the long polls waiting on that queue, at once.

The process running the engine binds a unix datagram socket for its data_dir
(:class:`WakeListener`); every process that commits a send to the broker file sends a
tiny datagram naming what changed (:class:`WakeSender`), best-effort. Inside the engine a
:class:`Waker` turns those names into per-key wake-ups of asyncio tasks; sends made in the
engine's own process notify the waker directly, without the socket. Keys are queue ARNs
(other embedded resources may use their own ARNs on the same socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from headrace.clock import Clock
from headrace.errors import BrokerError

# The socket's file name inside data_dir.
WAKE_SOCKET_NAME = "wake.sock"
# Unix socket paths must fit sun_path (108 bytes on Linux, 104 on macOS, with the NUL);
# longer data_dir paths use a hashed name in the temp directory instead.
MAX_SOCKET_PATH = 100
# The longest key a datagram carries; SQS ARNs are far shorter (name <= 80 characters).
MAX_KEY_BYTES = 1024


def wake_address(data_dir: Path) -> str:
    """The socket path every process derives for ``data_dir`` (short enough to bind)."""
    directory = data_dir.resolve()
    path = os.fsencode(directory / WAKE_SOCKET_NAME)
    if len(path) <= MAX_SOCKET_PATH:
        return os.fsdecode(path)
    digest = hashlib.sha256(os.fsencode(directory)).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"headrace-{digest}.sock")


class WakeSender:
    """Sends wake-up datagrams to a data_dir's listener, if one is there. Thread-safe.

    Never raises and never blocks: with no listener (``ENOENT``, ``ECONNREFUSED``) or a
    full listener buffer (``EAGAIN``, the listener is being woken already) the wake-up is
    dropped. One socket is created on first use and reused.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def notify(self, key: str) -> None:
        """Tell the listener that ``key`` changed."""
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._socket.setblocking(False)
                self._socket.sendto(key.encode("utf-8"), self.address)
            except OSError:
                pass  # best-effort by design: see the class docstring

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


class Notifier:
    """What a broker calls with a key (an ARN) after each commit that others may wait for.

    With ``notify`` given (the engine's own :class:`Waker`, or a test's list), calls it;
    without, sends a wake-up datagram to the ``headrace run`` listening for ``data_dir``
    through a :class:`WakeSender` that :meth:`close` closes. Never raises for a missing
    listener (see WakeSender).
    """

    def __init__(self, data_dir: Path, notify: Callable[[str], None] | None = None) -> None:
        self._sender: WakeSender | None = None
        if notify is None:
            self._sender = WakeSender(wake_address(data_dir))
            notify = self._sender.notify
        self._notify = notify

    def __call__(self, key: str) -> None:
        """Tell whoever waits that ``key`` changed."""
        self._notify(key)

    def close(self) -> None:
        """Close the wake-up socket, if this notifier opened one."""
        if self._sender is not None:
            self._sender.close()


@dataclass(frozen=True, slots=True)
class WakerStatistics:
    """How many notifications a :class:`Waker` got and how many waits they ended."""

    notifications: int
    wakeups: int
    waiting: int


class Waker:
    """Per-key wake-ups for tasks of one event loop.

    A waiter reads :meth:`version` *before* it looks for work, then calls :meth:`wait`
    with that version: a notification that landed in between makes ``wait`` return at
    once, so no wake-up is lost. :meth:`notify_threadsafe` may be called from any thread.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._versions: dict[str, int] = {}
        self._waiters: dict[str, set[asyncio.Future[bool]]] = {}
        self._notifications = 0
        self._wakeups = 0

    def version(self, key: str) -> int:
        """How many times ``key`` was notified so far."""
        return self._versions.get(key, 0)

    def notify(self, key: str) -> None:
        """Wake every task waiting on ``key`` (call on the loop's thread)."""
        self._notifications += 1
        self._versions[key] = self._versions.get(key, 0) + 1
        for waiter in self._waiters.get(key, ()):
            if not waiter.done():
                waiter.set_result(True)
                self._wakeups += 1

    def notify_threadsafe(self, key: str) -> None:
        """:meth:`notify` from any thread; dropped if the loop has closed."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.notify, key)

    async def wait(self, key: str, version: int, timeout: float, clock: Clock) -> bool:
        """Wait for a notification of ``key`` after ``version``, or ``timeout`` seconds.

        Returns True when notified, False when the timeout ran out. The timeout is slept
        on ``clock``, so a ``FakeClock`` decides when it runs out.
        """
        if self.version(key) != version:
            return True
        if timeout <= 0:
            return False
        woken: asyncio.Future[bool] = self._loop.create_future()
        waiters = self._waiters.setdefault(key, set())
        waiters.add(woken)
        # The deadline is fixed now: the sleeper task starts later, after time may have moved.
        sleeper = self._loop.create_task(_sleep_until(clock, clock.monotonic() + timeout))

        def timed_out(_: asyncio.Task[None]) -> None:
            if not woken.done():
                woken.set_result(False)

        sleeper.add_done_callback(timed_out)
        try:
            return await woken
        finally:
            sleeper.cancel()
            waiters.discard(woken)

    def statistics(self) -> WakerStatistics:
        waiting = sum(len(w) for w in self._waiters.values())
        return WakerStatistics(self._notifications, self._wakeups, waiting)


async def _sleep_until(clock: Clock, deadline: float) -> None:
    await clock.sleep(deadline - clock.monotonic())


class WakeListener:
    """Binds a data_dir's wake socket and feeds its datagrams to a :class:`Waker`.

    :meth:`start` removes a stale socket file left by a killed process; it raises
    :class:`~headrace.errors.BrokerError` if a live process is listening there already.
    """

    def __init__(self, address: str, waker: Waker, loop: asyncio.AbstractEventLoop) -> None:
        self.address = address
        self._waker = waker
        self._loop = loop
        self._socket: socket.socket | None = None
        self._inode: int | None = None

    def start(self) -> None:
        """Bind the socket and start reading it on the loop."""
        _remove_stale(self.address)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(self.address)
        except OSError as exc:
            sock.close()
            raise BrokerError(f"cannot bind the wake-up socket {self.address}: {exc}") from exc
        sock.setblocking(False)
        self._socket = sock
        self._inode = os.stat(self.address).st_ino
        self._loop.add_reader(sock.fileno(), self._drain)

    def _drain(self) -> None:
        assert self._socket is not None
        while True:
            try:
                data = self._socket.recv(MAX_KEY_BYTES)
            except BlockingIOError:
                return
            if data:  # an empty datagram is a liveness probe (see _remove_stale)
                self._waker.notify(data.decode("utf-8", errors="replace"))

    def close(self) -> None:
        """Stop reading and remove the socket file (if it is still this listener's)."""
        if self._socket is None:
            return
        self._loop.remove_reader(self._socket.fileno())
        self._socket.close()
        self._socket = None
        with contextlib.suppress(OSError):
            if os.stat(self.address).st_ino == self._inode:
                os.unlink(self.address)


def _remove_stale(address: str) -> None:
    """Unlink a socket file nobody listens on; raise if somebody does."""
    if not os.path.exists(address):
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        probe.sendto(b"", address)
    except ConnectionRefusedError:
        pass  # nobody listens: the file is stale
    except OSError as exc:
        raise BrokerError(f"cannot use the wake-up socket {address}: {exc}") from exc
    else:
        raise BrokerError(
            f"another process listens on {address}: is `headrace run` already running "
            "with this data_dir?"
        )
    finally:
        probe.close()
    try:
        os.unlink(address)
    except OSError as exc:
        raise BrokerError(f"cannot use the wake-up socket {address}: {exc}") from exc
