"""Names SQS validates: queue names, batch entry ids, message group and deduplication ids.

Each check returns SQS's error message, or ``None`` when the value is valid, so the config
validator can collect every problem and the broker can raise the matching error.
"""

from __future__ import annotations

import re

# SQS: "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length".
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
# A FIFO name is the same alphabet plus the ".fifo" suffix, 80 characters in all.
_FIFO_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
# SQS batch entry ids: alphanumeric, hyphens and underscores, at most 80 characters.
_BATCH_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# MessageGroupId / MessageDeduplicationId: 1-128 alphanumeric or ASCII punctuation characters.
_GROUP_OR_DEDUP_ID = re.compile(r"[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}")

QUEUE_NAME_MESSAGE = (
    "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
)
FIFO_QUEUE_NAME_MESSAGE = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
    "underscores, must end with .fifo suffix and be 1 to 80 in length."
)
BATCH_ENTRY_ID_MESSAGE = (
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
    "It can be at most 80 letters long."
)


def validate_queue_name(name: str, fifo: bool) -> str | None:
    """SQS's message for an invalid queue name, or None if ``name`` suits the queue type.

    A name ending in ``.fifo`` must belong to a FIFO queue and a FIFO queue's name must end
    in ``.fifo``; both mismatches get SQS's FIFO naming message.
    """
    if fifo or name.endswith(".fifo"):
        if fifo and _FIFO_QUEUE_NAME.fullmatch(name):
            return None
        return FIFO_QUEUE_NAME_MESSAGE
    return None if _QUEUE_NAME.fullmatch(name) else QUEUE_NAME_MESSAGE


def is_valid_batch_entry_id(entry_id: str) -> bool:
    """Whether ``entry_id`` is a valid Id of an SQS batch request entry."""
    return _BATCH_ENTRY_ID.fullmatch(entry_id) is not None


def validate_group_or_dedup_id(parameter: str, value: str) -> str | None:
    """SQS's message for a bad MessageGroupId / MessageDeduplicationId, or None if valid."""
    if _GROUP_OR_DEDUP_ID.fullmatch(value):
        return None
    return (
        f"Value {value} for parameter {parameter} is invalid. Reason: {parameter} can only "
        "include alphanumeric and punctuation characters. 1 to 128 in length."
    )
