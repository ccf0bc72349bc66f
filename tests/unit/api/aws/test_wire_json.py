"""AWS's JSON protocol: error statuses as the JSON services send them."""

from __future__ import annotations

import msgspec

from headrace.api.aws.aws_endpoint import InternalFailure
from headrace.api.aws.wire_json import encode_json_error
from headrace.errors import ResourceNotFoundException


def test_modelled_client_errors_of_json_services_are_400() -> None:
    """Kinesis answers ResourceNotFoundException with 400 (Lambda's REST API uses 404), in
    its own error shape, so the SDK raises its modelled class."""
    status, headers, body = encode_json_error("kinesis", ResourceNotFoundException("gone"))
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert msgspec.json.decode(body)["__type"].endswith("#ResourceNotFoundException")


def test_unmodelled_errors_keep_their_own_status() -> None:
    """An error the model does not list (a failure inside headrace) keeps its 500."""
    status, _, _ = encode_json_error("kinesis", InternalFailure("boom"))
    assert status == 500
