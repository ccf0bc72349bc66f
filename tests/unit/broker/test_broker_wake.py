"""Wake-ups: per-key waits on a fake clock, and datagrams across processes' sockets."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from headrace.broker.wake import (
    WAKE_SOCKET_NAME,
    WakeListener,
    Waker,
    WakeSender,
    wake_address,
)
from headrace.clock import FakeClock
from headrace.errors import BrokerError

KEY = "arn:aws:sqs:us-east-1:123456789012:q"


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder whose socket path fits sun_path (pytest's tmp_path may be too long)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="hr-", dir="/tmp"))
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


async def test_notify_wakes_a_waiter() -> None:
    """A notification of the key ends the wait with True, before any timeout."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, waker.version(KEY), 30, clock))
    await asyncio.sleep(0)
    waker.notify(KEY)
    assert await waiting is True
    assert waker.statistics().wakeups == 1
    assert waker.statistics().waiting == 0


async def test_notification_before_the_wait_is_not_lost() -> None:
    """A notification between reading the version and waiting returns at once."""
    waker = Waker(asyncio.get_running_loop())
    version = waker.version(KEY)
    waker.notify(KEY)
    assert await waker.wait(KEY, version, 30, FakeClock()) is True


async def test_other_keys_do_not_wake() -> None:
    """Only the key's own notifications end its wait; the timeout runs on the clock."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, waker.version(KEY), 30, clock))
    await asyncio.sleep(0)
    waker.notify("other")
    clock.advance(29)
    await asyncio.sleep(0)
    assert not waiting.done()
    clock.advance(1)
    assert await waiting is False


async def test_zero_timeout_does_not_wait() -> None:
    """A wait with nothing left of its timeout returns False at once."""
    waker = Waker(asyncio.get_running_loop())
    assert await waker.wait(KEY, 0, 0, FakeClock()) is False


async def test_notify_from_another_thread() -> None:
    """notify_threadsafe wakes the loop's waiter from a broker thread."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, 0, 30, clock))
    await asyncio.sleep(0)
    threading.Thread(target=waker.notify_threadsafe, args=(KEY,)).start()
    assert await asyncio.wait_for(waiting, 10) is True


async def test_cancelled_wait_leaves_nothing_behind() -> None:
    """A cancelled wait removes its waiter and its clock sleeper."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, 0, 30, clock))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0)
    assert waker.statistics().waiting == 0
    assert clock.sleepers == 0


def test_notify_threadsafe_after_loop_closed() -> None:
    """A wake-up for a loop that has closed is dropped, not raised."""
    loop = asyncio.new_event_loop()
    waker = Waker(loop)
    loop.close()
    waker.notify_threadsafe(KEY)


def test_sender_without_listener_is_silent(short_dir: Path) -> None:
    """With nobody listening a wake-up is dropped, never raised."""
    sender = WakeSender(wake_address(short_dir))
    sender.notify(KEY)
    sender.close()
    sender.close()


async def test_listener_turns_datagrams_into_notifications(short_dir: Path) -> None:
    """A datagram from another socket (another process) notifies its key."""
    waker = Waker(asyncio.get_running_loop())
    listener = WakeListener(wake_address(short_dir), waker, asyncio.get_running_loop())
    listener.start()
    assert (short_dir / WAKE_SOCKET_NAME).exists()
    waiting = asyncio.create_task(waker.wait(KEY, 0, 30, FakeClock()))
    sender = WakeSender(wake_address(short_dir))
    sender.notify(KEY)
    assert await asyncio.wait_for(waiting, 10) is True
    sender.close()
    listener.close()
    listener.close()
    assert not (short_dir / WAKE_SOCKET_NAME).exists()


async def test_stale_socket_file_is_replaced(short_dir: Path) -> None:
    """A socket file left by a killed process is removed on start."""
    address = wake_address(short_dir)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(address)
    dead.close()  # the file stays, nobody listens
    listener = WakeListener(address, Waker(asyncio.get_running_loop()), asyncio.get_running_loop())
    listener.start()
    listener.close()


async def test_live_listener_is_not_stolen(short_dir: Path) -> None:
    """A second listener on the same data_dir is refused while the first one lives."""
    loop = asyncio.get_running_loop()
    first = WakeListener(wake_address(short_dir), Waker(loop), loop)
    first.start()
    second = WakeListener(wake_address(short_dir), Waker(loop), loop)
    with pytest.raises(BrokerError, match="already running"):
        second.start()
    first.close()


async def test_unusable_socket_path(short_dir: Path) -> None:
    """A path that cannot be probed or bound is a BrokerError naming it."""
    loop = asyncio.get_running_loop()
    blocked = short_dir / "dir"
    blocked.mkdir()
    with pytest.raises(BrokerError, match="cannot use the wake-up socket"):
        WakeListener(str(blocked), Waker(loop), loop).start()
    blocked.rmdir()
    with pytest.raises(BrokerError, match="cannot bind"):
        WakeListener(str(short_dir / "missing" / "s"), Waker(loop), loop).start()


def test_long_data_dir_uses_a_short_hashed_path(tmp_path: Path) -> None:
    """A data_dir too long for a socket path gets a hashed name in the temp folder."""
    deep = tmp_path / ("d" * 120)
    address = wake_address(deep)
    assert len(os.fsencode(address)) <= 100
    assert address == wake_address(deep)
    assert address != wake_address(tmp_path / ("e" * 120))
    assert wake_address(Path("/tmp/x")) == "/tmp/x/wake.sock"
