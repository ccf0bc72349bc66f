"""The data_dir's init lock: openers take turns, and give up at their timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from headrace.broker.datadir import INIT_LOCK_NAME, initialising
from headrace.errors import BrokerError


def test_openers_wait_for_the_init_lock_and_give_up_at_the_timeout(tmp_path: Path) -> None:
    """An opener stuck holding init.lock makes the others fail after their timeout, saying so."""
    with initialising(tmp_path, 1.0):
        waiting = initialising(tmp_path, 0.05)
        with pytest.raises(BrokerError, match="stayed locked"):
            waiting.__enter__()
    with initialising(tmp_path, 0.05):  # released: free again
        assert (tmp_path / INIT_LOCK_NAME).exists()
