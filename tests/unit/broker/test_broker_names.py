"""Queue names and ids as SQS validates them."""

from __future__ import annotations

import pytest

from headrace.broker import validate_queue_name
from headrace.broker.names import (
    FIFO_QUEUE_NAME_MESSAGE,
    QUEUE_NAME_MESSAGE,
    is_valid_batch_entry_id,
    validate_group_or_dedup_id,
)


@pytest.mark.parametrize("name", ["orders", "a", "A-b_9", "x" * 80])
def test_standard_names_accepted(name: str) -> None:
    """SQS: 1-80 alphanumerics, hyphens and underscores name a standard queue."""
    assert validate_queue_name(name, fifo=False) is None


@pytest.mark.parametrize("name", ["", "x" * 81, "has space", "dot.name", "ümlaut"])
def test_bad_standard_names_rejected(name: str) -> None:
    """SQS: other characters or lengths get SQS's naming message."""
    assert validate_queue_name(name, fifo=False) == QUEUE_NAME_MESSAGE


@pytest.mark.parametrize("name", ["jobs.fifo", "x" * 75 + ".fifo"])
def test_fifo_names_accepted(name: str) -> None:
    """SQS: a FIFO queue's name ends with .fifo, 80 characters in all."""
    assert validate_queue_name(name, fifo=True) is None


@pytest.mark.parametrize(
    ("name", "fifo"),
    [("jobs", True), ("jobs.fifo", False), ("x" * 76 + ".fifo", True), (".fifo", True)],
)
def test_fifo_suffix_and_type_must_agree(name: str, fifo: bool) -> None:
    """SQS: .fifo names need FifoQueue true and FIFO queues need the suffix."""
    assert validate_queue_name(name, fifo=fifo) == FIFO_QUEUE_NAME_MESSAGE


def test_batch_entry_ids() -> None:
    """SQS: batch entry ids are 1-80 alphanumerics, hyphens and underscores."""
    assert is_valid_batch_entry_id("msg-1_A")
    assert not is_valid_batch_entry_id("")
    assert not is_valid_batch_entry_id("a.b")
    assert not is_valid_batch_entry_id("x" * 81)


def test_group_ids_allow_punctuation_up_to_128() -> None:
    """SQS: group and deduplication ids are 1-128 alphanumeric or punctuation characters."""
    assert validate_group_or_dedup_id("MessageGroupId", "a-b!{}~" + "x" * 121) is None
    problem = validate_group_or_dedup_id("MessageGroupId", "has space")
    assert problem is not None
    assert problem.startswith("Value has space for parameter MessageGroupId is invalid.")
    assert validate_group_or_dedup_id("MessageDeduplicationId", "x" * 129) is not None
