"""The DynamoDB service's own request handling: blobs to the broker's text, parallel Scan
segments, legacy parameters (what the broker does not decide)."""

from __future__ import annotations

from typing import Any

import pytest

from headrace.api.aws.aws_call import AwsCall
from headrace.api.aws.dynamodb_service import _first_segment, _request, _text_blobs
from headrace.errors import ValidationException


def test_blobs_become_base64_text_wherever_they_are() -> None:
    """B and BS values arrive as bytes from the JSON decoder; the broker keeps base64 text,
    in items, keys and expression values alike; other values pass unchanged."""
    params: dict[str, Any] = {
        "Item": {"b": {"B": b"\x00\xff"}, "s": {"BS": [b"a"]}, "n": {"N": "1"}},
        "ExpressionAttributeValues": {":v": {"L": [{"B": b"z"}]}},
    }
    assert _text_blobs(params) == {
        "Item": {"b": {"B": "AP8="}, "s": {"BS": ["YQ=="]}, "n": {"N": "1"}},
        "ExpressionAttributeValues": {":v": {"L": [{"B": "eg=="}]}},
    }


def test_legacy_parameters_are_refused() -> None:
    """The pre-expression parameters (AttributesToGet, Expected, KeyConditions, ...) are a
    ValidationException naming the parameter, never silently ignored."""
    call = AwsCall("GetItem", {"TableName": "t", "Key": {}, "Expected": {}}, host="h")
    with pytest.raises(ValidationException, match="Expected"):
        _request(call)


@pytest.mark.parametrize(
    ("segment", "total", "first"),
    [(None, None, True), (0, 4, True), (1, 4, False), (3, 4, False)],
)
def test_segment_zero_reads_the_table(segment: int | None, total: int | None, first: bool) -> None:
    """Parallel Scan: segment 0 reads everything, the others nothing, so every item comes
    in exactly one segment."""
    params = {"Segment": segment, "TotalSegments": total}
    assert _first_segment({k: v for k, v in params.items() if v is not None}) is first


@pytest.mark.parametrize("params", [{"Segment": 4, "TotalSegments": 4}, {"Segment": 0}])
def test_bad_segments_are_validation_errors(params: dict[str, int]) -> None:
    """A Segment not below TotalSegments, or one without the other, is refused."""
    with pytest.raises(ValidationException):
        _first_segment(params)
