"""The data_dir's locks: one engine at a time (naming the holder), openers take turns."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from headrace.broker.datadir import ENGINE_LOCK_NAME, INIT_LOCK_NAME, EngineLock, initialising
from headrace.errors import BrokerError, DataDirInUse


def test_a_second_engine_lock_names_the_holder(tmp_path: Path) -> None:
    """docs/broker.md: the second claim fails with the data_dir and the holder's pid."""
    first = EngineLock(tmp_path)
    first.acquire()
    with pytest.raises(DataDirInUse) as refused:
        EngineLock(tmp_path).acquire()
    assert refused.value.pid == os.getpid()
    assert refused.value.data_dir == str(tmp_path)
    assert str(refused.value) == (
        f"data_dir {tmp_path} is in use by another `headrace run` (pid {os.getpid()}); "
        "stop it first, or give this config another data_dir"
    )
    first.release()
    first.release()


def test_a_released_lock_can_be_taken_again_and_keeps_its_file(tmp_path: Path) -> None:
    """Release clears the pid but never deletes the file (deleting would split the lock)."""
    lock = EngineLock(tmp_path)
    lock.acquire()
    assert (tmp_path / ENGINE_LOCK_NAME).read_text() == f"{os.getpid()}\n"
    lock.release()
    assert (tmp_path / ENGINE_LOCK_NAME).read_text() == ""
    again = EngineLock(tmp_path)
    again.acquire()
    assert again.held
    again.release()
    assert not again.held


def test_a_holder_without_a_pid_is_still_refused(tmp_path: Path) -> None:
    """A holder whose pid cannot be read is reported as "pid unknown" (after a short wait)."""
    fd = os.open(tmp_path / ENGINE_LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(DataDirInUse, match="pid unknown") as refused:
            EngineLock(tmp_path).acquire()
        assert refused.value.pid is None
    finally:
        os.close(fd)


def test_an_unusable_data_dir_is_a_broker_error(tmp_path: Path) -> None:
    """A data_dir that cannot be created is named in the error."""
    (tmp_path / "file").write_text("")
    with pytest.raises(BrokerError, match="cannot use the data_dir"):
        EngineLock(tmp_path / "file" / "dd").acquire()


def test_openers_wait_for_the_init_lock_and_give_up_at_the_timeout(tmp_path: Path) -> None:
    """An opener stuck holding init.lock makes the others fail after their timeout, saying so."""
    with initialising(tmp_path, 1.0):
        waiting = initialising(tmp_path, 0.05)
        with pytest.raises(BrokerError, match="stayed locked"):
            waiting.__enter__()
    with initialising(tmp_path, 0.05):  # released: free again
        assert (tmp_path / INIT_LOCK_NAME).exists()
