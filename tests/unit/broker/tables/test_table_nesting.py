"""DynamoDB's 32 nesting levels, for DynamoDB JSON and plain values alike."""

from __future__ import annotations

from typing import Any

import pytest

from headrace.broker.tables import MAX_NESTING_LEVELS, TOO_DEEP, item_from_plain, normalize_item
from headrace.errors import ValidationException


def wrapped(wraps: int) -> dict[str, Any]:
    """A DynamoDB JSON scalar inside ``wraps`` maps and lists, alternating."""
    value: dict[str, Any] = {"S": "leaf"}
    for level in range(wraps):
        value = {"M": {"m": value}} if level % 2 else {"L": [value]}
    return value


def plain(wraps: int) -> Any:
    value: Any = "leaf"
    for level in range(wraps):
        value = {"m": value} if level % 2 else [value]
    return value


def test_a_scalar_inside_31_maps_and_lists_is_stored() -> None:
    """Level 32 (31 wraps) is the deepest DynamoDB stores (recorded on AWS)."""
    item = {"id": {"S": "a"}, "doc": wrapped(MAX_NESTING_LEVELS - 1)}
    assert normalize_item(item) == item
    assert item_from_plain({"id": "a", "doc": plain(MAX_NESTING_LEVELS - 1)}) == item


@pytest.mark.parametrize("wraps", [MAX_NESTING_LEVELS, 5000])
def test_deeper_values_get_dynamodbs_error(wraps: int) -> None:
    """One level more, or thousands more, is AWS's ValidationException, never RecursionError."""
    with pytest.raises(ValidationException, match="Nesting Levels have exceeded") as caught:
        normalize_item({"id": {"S": "a"}, "doc": wrapped(wraps)})
    assert caught.value.message == TOO_DEEP
    with pytest.raises(ValidationException, match="Nesting Levels have exceeded"):
        item_from_plain({"id": "a", "doc": plain(wraps)})
