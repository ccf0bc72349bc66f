"""The wake-up socket of a data_dir: datagrams naming what changed, from any process.

``headrace run`` binds ``<data_dir>/wake.sock`` (:class:`WakeListener`), a unix datagram
socket, and turns each datagram into a :class:`~headrace.broker.wake.Waker` notification.
Every process that commits a change others may wait for sends the changed resource's ARN
there (:class:`WakeSender`).

The socket always lives inside data_dir, so its permissions are data_dir's and no other user
can bind it first. A path too long for ``sun_path`` (about 100 bytes) is reached through a
directory descriptor of data_dir, as ``/proc/self/fd/N/wake.sock`` (Linux): the kernel
resolves the descriptor, so the path handed to ``bind``/``connect`` stays short.

No wake-up is lost while a listener is alive: a listener's queue holds only
``net.unix.max_dgram_qlen`` datagrams (often 10), so a burst of sends fills it; the sender
then waits for room (up to :data:`ROOM_WAIT_S`) instead of dropping the datagram.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from headrace.errors import BrokerError

# The socket's file name inside data_dir.
WAKE_SOCKET_NAME = "wake.sock"
# Unix socket paths must fit sun_path (108 bytes on Linux, 104 on macOS, with the NUL);
# longer paths are reached through a directory descriptor (see the module docstring).
MAX_SOCKET_PATH = 100
# The longest key a datagram carries; ARNs are far shorter.
MAX_KEY_BYTES = 1024
# How long a sender waits for room in a live listener's full queue. A running engine drains
# it whenever its event loop turns (well under a second even when busy); a listener that
# leaves it full this long is stopped or wedged, and the sender goes on without waiting.
ROOM_WAIT_S = 2.0


def wake_address(data_dir: Path) -> str:
    """The wake-up socket of ``data_dir``: ``<data_dir>/wake.sock``, absolute, any length."""
    return os.fsdecode(data_dir.resolve() / WAKE_SOCKET_NAME)


@contextlib.contextmanager
def reachable(address: str) -> Iterator[str]:
    """``address`` in a form ``bind``/``connect`` accept: itself if it fits ``sun_path``,
    else ``/proc/self/fd/N/NAME`` through a descriptor of its folder, held for the body.

    Raises ``OSError`` when the folder does not exist.
    """
    if _fits(address):
        yield address
        return
    folder, name = os.path.split(address)
    # O_PATH (Linux) needs no read permission on the folder, only search permission.
    fd = os.open(folder, getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield f"/proc/self/fd/{fd}/{name}"
    finally:
        os.close(fd)


def _fits(address: str) -> bool:
    return len(os.fsencode(address)) <= MAX_SOCKET_PATH


class WakeSender:
    """Sends wake-up datagrams to a data_dir's listener, if one is there. Thread-safe.

    Never raises. With no listener (no socket file, or nobody bound to it) a wake-up is
    dropped: an engine that starts later looks at everything first. A live listener's full
    queue makes :meth:`notify` wait for room, up to :data:`ROOM_WAIT_S`; if the listener
    leaves it full that long (stopped, wedged), the keys not delivered are kept, one entry
    per key, and sent by later calls and by :meth:`close` (which waits as long once more),
    while :meth:`notify` no longer waits until a send gets through again.

    One socket is made on first use and kept; it is connected to the listener (so it can
    wait for room in the listener's queue), and connected again when the listener restarts.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._fits = _fits(address)
        self._socket: socket.socket | None = None
        self._connected = False
        self._pending: dict[bytes, None] = {}  # keys not yet delivered, in order
        self._stalled = False  # the listener left its queue full for ROOM_WAIT_S
        self._lock = threading.Lock()

    def notify(self, key: str) -> None:
        """Tell the listener that ``key`` changed."""
        data = key.encode("utf-8")
        with self._lock:
            if not self._pending and self._send(data) is not None:
                return  # the hot path: sent, or nobody listens
            self._pending[data] = None
            self._flush(0.0 if self._stalled else ROOM_WAIT_S)

    def close(self) -> None:
        """Deliver what is still pending (waiting up to ROOM_WAIT_S), then close."""
        with self._lock:
            if self._pending:
                self._flush(ROOM_WAIT_S)
            self._pending.clear()
            if self._socket is not None:
                self._socket.close()
                self._socket = None
                self._connected = False

    def _flush(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while self._pending:
            data = next(iter(self._pending))
            sent = self._send(data)
            if sent is None:  # the queue is full
                self._stalled = not self._wait_for_room(deadline)
                if self._stalled:
                    return
                continue
            self._stalled = False
            if not sent:  # nobody listens: nobody to wake
                self._pending.clear()
                return
            del self._pending[data]

    def _send(self, data: bytes) -> bool | None:
        """True if sent, None if the listener's queue is full, False if nobody listens."""
        for _ in range(2):  # once more after connecting again: the listener may have restarted
            if not self._connected and not self._connect():
                return False
            assert self._socket is not None
            try:
                self._socket.send(data)
            except BlockingIOError:
                return None
            except OSError:
                self._connected = False
                continue
            return True
        return False

    def _connect(self) -> bool:
        if self._socket is None:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.setblocking(False)
        try:
            if self._fits:  # the common case, without reachable()'s cost on the hot path
                self._socket.connect(self.address)
            else:
                with reachable(self.address) as where:
                    self._socket.connect(where)
        except OSError:
            return False  # a failed connect leaves the socket as it was: try again next time
        self._connected = True
        return True

    def _wait_for_room(self, deadline: float) -> bool:
        """Wait until the connected listener's queue has room; False at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self._socket is None:
            return False
        # A connected unix datagram socket polls writable when the peer's queue has room.
        poller = select.poll()
        poller.register(self._socket, select.POLLOUT)
        return bool(poller.poll(remaining * 1000))


class WakeListener:
    """Binds a data_dir's wake socket and hands each datagram's key to ``notify``.

    Only the holder of the data_dir's engine lock
    (:class:`~headrace.broker.datadir.EngineLock`) may start one: :meth:`start` replaces
    whatever is at the address (a socket file left by a killed engine). Raises
    :class:`~headrace.errors.BrokerError` if the socket cannot be bound.
    """

    def __init__(
        self, address: str, notify: Callable[[str], None], loop: asyncio.AbstractEventLoop
    ) -> None:
        self.address = address
        self._notify = notify
        self._loop = loop
        self._socket: socket.socket | None = None
        self._inode: int | None = None

    def start(self) -> None:
        """Bind the socket and start reading it on the loop."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address)
            with reachable(self.address) as where:
                sock.bind(where)
            self._inode = os.stat(self.address).st_ino
        except OSError as exc:
            sock.close()
            raise BrokerError(f"cannot bind the wake-up socket {self.address}: {exc}") from exc
        sock.setblocking(False)
        self._socket = sock
        self._loop.add_reader(sock.fileno(), self._drain)

    def _drain(self) -> None:
        assert self._socket is not None
        while True:
            try:
                data = self._socket.recv(MAX_KEY_BYTES)
            except BlockingIOError:
                return
            if data:
                self._notify(data.decode("utf-8", errors="replace"))

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
