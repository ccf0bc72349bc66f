"""Paging of Lambda's list operations (pure logic of the Lambda service)."""

from __future__ import annotations

import pytest

from headrace.api.aws.lambda_service import MAPPINGS_PAGE, _page
from headrace.errors import InvalidParameterValueException, ValidationException


def test_a_page_is_at_most_the_services_page_size_whatever_max_items_asks() -> None:
    """§1.1.5: MaxItems up to 10000 is accepted but at most 100 mappings come a page."""
    items = list(range(250))
    page, marker = _page(items, {"MaxItems": 10000}, MAPPINGS_PAGE)
    assert (len(page), marker) == (100, "100")
    page, marker = _page(items, {"Marker": "200"}, MAPPINGS_PAGE)
    assert (page, marker) == (items[200:], None)


def test_max_items_out_of_range_and_bad_markers_are_refused() -> None:
    """MaxItems outside 1-10000 is a ValidationException in AWS's words; a marker that is
    not one headrace gave is InvalidParameterValueException."""
    with pytest.raises(ValidationException, match="Value '0' at 'maxItems'"):
        _page([1], {"MaxItems": 0}, MAPPINGS_PAGE)
    with pytest.raises(InvalidParameterValueException, match="Invalid Marker"):
        _page([1], {"Marker": "x"}, MAPPINGS_PAGE)
