"""The wake-up socket: inside data_dir at any path length, and no key lost to a full queue."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from headrace.broker import wake_socket
from headrace.broker.wake import Waker
from headrace.broker.wake_socket import (
    WAKE_SOCKET_NAME,
    WakeListener,
    WakeSender,
    reachable,
    wake_address,
)
from headrace.clock import FakeClock
from headrace.errors import BrokerError

KEY = "arn:aws:sqs:us-east-1:123456789012:q"
# Bound on waiting for a datagram or a wake-up that must come (a bound, not a timing check).
RECEIVE_TIMEOUT_S = 10.0


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder whose socket path fits sun_path (pytest's tmp_path may be too long)."""
    path = Path(tempfile.mkdtemp(prefix="hr-", dir="/tmp"))
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


@pytest.fixture
def long_dir(tmp_path: Path) -> Path:
    """A data_dir whose wake.sock path is far longer than sun_path allows."""
    path = tmp_path / ("d" * 60) / ("e" * 60)
    path.mkdir(parents=True)
    return path


def queue_length() -> int:
    """How many datagrams a unix socket's queue holds on this machine (often 10)."""
    return int(Path("/proc/sys/net/unix/max_dgram_qlen").read_text())


@pytest.fixture
def raw_listener(short_dir: Path) -> Iterator[socket.socket]:
    """A socket bound at data_dir's address that the test reads (or leaves full) itself."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(wake_address(short_dir))
    sock.settimeout(RECEIVE_TIMEOUT_S)
    yield sock
    sock.close()


def test_sender_without_listener_is_silent(short_dir: Path) -> None:
    """With nobody listening a wake-up is dropped, never raised."""
    sender = WakeSender(wake_address(short_dir))
    sender.notify(KEY)
    sender.close()
    sender.close()


async def test_listener_turns_datagrams_into_notifications(short_dir: Path) -> None:
    """A datagram from another socket (another process) notifies its key."""
    loop = asyncio.get_running_loop()
    waker = Waker(loop)
    listener = WakeListener(wake_address(short_dir), waker.notify, loop)
    listener.start()
    assert (short_dir / WAKE_SOCKET_NAME).exists()
    waiting = asyncio.create_task(waker.wait(KEY, 0, 30, FakeClock()))
    sender = WakeSender(wake_address(short_dir))
    sender.notify(KEY)
    assert await asyncio.wait_for(waiting, RECEIVE_TIMEOUT_S) is True
    sender.close()
    listener.close()
    listener.close()
    assert not (short_dir / WAKE_SOCKET_NAME).exists()


async def test_stale_socket_file_is_replaced(short_dir: Path) -> None:
    """A socket file left by a killed engine is replaced on start."""
    address = wake_address(short_dir)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(address)
    dead.close()  # the file stays, nobody listens
    loop = asyncio.get_running_loop()
    listener = WakeListener(address, Waker(loop).notify, loop)
    listener.start()
    listener.close()


async def test_unusable_socket_path(short_dir: Path) -> None:
    """A path that cannot be bound is a BrokerError naming it."""
    loop = asyncio.get_running_loop()
    blocked = short_dir / "dir"
    blocked.mkdir()
    with pytest.raises(BrokerError, match="cannot bind the wake-up socket"):
        WakeListener(str(blocked), Waker(loop).notify, loop).start()
    blocked.rmdir()
    with pytest.raises(BrokerError, match="cannot bind"):
        WakeListener(str(short_dir / "missing" / "s"), Waker(loop).notify, loop).start()


def test_the_socket_of_a_long_data_dir_stays_inside_it(long_dir: Path) -> None:
    """Item 4 of issue 8: a long data_dir's socket is data_dir/wake.sock, never a guessable
    name in $TMPDIR that another user could bind first."""
    address = wake_address(long_dir)
    assert address == str(long_dir.resolve() / WAKE_SOCKET_NAME)
    assert len(address.encode()) > wake_socket.MAX_SOCKET_PATH


async def test_another_process_wakes_a_listener_on_a_long_data_dir(long_dir: Path) -> None:
    """A sender in another process reaches the listener of a data_dir of any path length."""
    loop = asyncio.get_running_loop()
    waker = Waker(loop)
    listener = WakeListener(wake_address(long_dir), waker.notify, loop)
    listener.start()
    try:
        assert (long_dir / WAKE_SOCKET_NAME).exists()
        waiting = asyncio.create_task(waker.wait(KEY, 0, 30, FakeClock()))
        script = (
            "import sys; from headrace.broker.wake_socket import WakeSender\n"
            "sender = WakeSender(sys.argv[1]); sender.notify(sys.argv[2]); sender.close()"
        )
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, wake_address(long_dir), KEY
        )
        assert await asyncio.wait_for(child.wait(), RECEIVE_TIMEOUT_S) == 0
        assert await asyncio.wait_for(waiting, RECEIVE_TIMEOUT_S) is True
    finally:
        listener.close()
    assert not (long_dir / WAKE_SOCKET_NAME).exists()


def test_reachable_keeps_short_addresses_as_they_are(short_dir: Path) -> None:
    """A path that fits sun_path is used as it is (no descriptor)."""
    address = wake_address(short_dir)
    with reachable(address) as where:
        assert where == address


def test_a_burst_into_a_full_queue_loses_no_key(
    raw_listener: socket.socket, short_dir: Path
) -> None:
    """Item 9 of issue 8: more sends than the listener's queue holds wait for room; every key
    arrives, in order (they used to be dropped on EAGAIN)."""
    keys = [f"{KEY}-{n}" for n in range(3 * queue_length() + 5)]
    sender = WakeSender(wake_address(short_dir))
    burst = threading.Thread(target=lambda: [sender.notify(k) for k in keys])
    burst.start()
    received = [raw_listener.recv(1024).decode() for _ in keys]
    burst.join(RECEIVE_TIMEOUT_S)
    assert received == keys
    sender.close()


def test_a_stalled_listener_gets_the_kept_keys_later(
    raw_listener: socket.socket, short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener that leaves its queue full past the wait: notify returns, and the keys it
    could not take are delivered once there is room (here by close)."""
    monkeypatch.setattr(wake_socket, "ROOM_WAIT_S", 0.05)
    keys = [f"{KEY}-{n}" for n in range(queue_length() + 5)]
    sender = WakeSender(wake_address(short_dir))
    for key in keys:
        sender.notify(key)  # the queue fills; the rest is kept, notify does not block
    first = [raw_listener.recv(1024).decode() for _ in range(queue_length())]
    closing = threading.Thread(target=sender.close)
    closing.start()
    rest = [raw_listener.recv(1024).decode() for _ in range(len(keys) - len(first))]
    closing.join(RECEIVE_TIMEOUT_S)
    assert sorted(first + rest) == sorted(keys)


def test_a_restarted_listener_is_reached_again(short_dir: Path) -> None:
    """The sender's connected socket follows a listener that was closed and bound again."""
    sender = WakeSender(wake_address(short_dir))
    for attempt in range(2):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(wake_address(short_dir))
        listener.settimeout(RECEIVE_TIMEOUT_S)
        sender.notify(f"{KEY}-{attempt}")
        assert listener.recv(1024).decode() == f"{KEY}-{attempt}"
        listener.close()
        (short_dir / WAKE_SOCKET_NAME).unlink()
    sender.close()


def test_a_send_does_not_wait_for_a_missing_listener(short_dir: Path) -> None:
    """No listener: every wake-up is dropped at once (an engine starting later reads all)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from headrace.broker.wake_socket import WakeSender\n"
            "s = WakeSender(sys.argv[1])\n"
            "for n in range(1000): s.notify(str(n))\n"
            "s.close()",
            wake_address(short_dir),
        ],
        timeout=RECEIVE_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0
