"""The wake-up socket of a data_dir: datagrams naming what changed, from any process.

``headrace run`` binds ``<data_dir>/wake.sock`` (:class:`WakeListener`), a unix datagram
socket, and turns each datagram into a :class:`~headrace.broker.wake.Waker` notification.
Every process that commits a change others may wait for sends the changed resource's ARN
there (:class:`WakeSender`).

The socket always lives inside data_dir, so its permissions are data_dir's and no other user
can bind it first. A path too long for ``sun_path`` (about 100 bytes) is reached through a
directory descriptor of data_dir, as ``/proc/self/fd/N/wake.sock`` (Linux): the kernel
resolves the descriptor, so the path handed to ``bind``/``connect`` stays short.

Wake-ups are best-effort: a sender never blocks, and drops a datagram the listener has no
room for.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
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

    Never raises and never blocks: with no listener (``ENOENT``, ``ECONNREFUSED``) or a
    full listener buffer (``EAGAIN``, the listener is being woken already) the wake-up is
    dropped. One socket is created on first use and reused.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._fits = _fits(address)
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def notify(self, key: str) -> None:
        """Tell the listener that ``key`` changed."""
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._socket.setblocking(False)
                if self._fits:  # the common case, without reachable()'s cost
                    self._socket.sendto(key.encode("utf-8"), self.address)
                else:
                    with reachable(self.address) as where:
                        self._socket.sendto(key.encode("utf-8"), where)
            except OSError:
                pass  # best-effort by design: see the class docstring

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


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
