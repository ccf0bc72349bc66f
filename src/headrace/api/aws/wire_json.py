"""AWS's JSON protocol (``application/x-amz-json-1.0`` / ``1.1``): SQS, Kinesis, DynamoDB.

The operation is named by ``X-Amz-Target: <targetPrefix>.<Operation>``; the body is the
input structure as JSON; the answer is the output structure as JSON. An error is
``{"__type": ..., "message": ...}`` with its HTTP status; a service that is "query
compatible" (SQS) also sends ``x-amzn-query-error: <query code>;Sender`` so the SDK names the
error by its query-protocol code and raises its modelled exception class.
"""

from __future__ import annotations

from typing import Any

import msgspec
from botocore.model import OperationModel

from headrace.api.aws.service_models import error_shapes, service_model
from headrace.api.aws.wire_values import (
    MissingMember,
    SerializationException,
    decode_input,
    encode_output,
)
from headrace.errors import AwsError

WireAnswer = tuple[int, dict[str, str], bytes]


def content_type(service: str) -> str:
    """The content type of the service's JSON dialect."""
    version = service_model(service).metadata.get("jsonVersion", "1.0")
    return f"application/x-amz-json-{version}"


def decode_json_request(
    operation: OperationModel, body: bytes, missing: MissingMember
) -> dict[str, Any]:
    """The operation's input from a JSON body (empty body: no members)."""
    try:
        value = msgspec.json.decode(body) if body.strip() else {}
    except msgspec.DecodeError:
        raise SerializationException(
            "Start of structure or map found where not expected."
        ) from None
    return decode_input(operation.input_shape, value, missing)


def encode_json_response(service: str, operation: OperationModel, result: Any) -> WireAnswer:
    """200 with the output structure as JSON."""
    body = msgspec.json.encode(encode_output(operation.output_shape, result or {}))
    return 200, {"Content-Type": content_type(service)}, body


def encode_json_error(service: str, error: AwsError) -> WireAnswer:
    """The error as the service's SDK parses it."""
    model = service_model(service)
    shapes = error_shapes(service)
    name, meta = shapes.get(error.code, (error.code, {}))
    headers = {"Content-Type": content_type(service), "x-amzn-ErrorType": name}
    # A JSON service's modelled client errors are 400 unless the model says otherwise
    # (Kinesis's and DynamoDB's ResourceNotFoundException, which is Lambda's 404).
    default = 400 if error.code in shapes and error.http_status < 500 else error.http_status
    status = int(meta.get("httpStatusCode", default))
    if model.metadata.get("awsQueryCompatible") is not None:
        fault = "Sender" if meta.get("senderFault", status < 500) else "Receiver"
        headers["x-amzn-query-error"] = f"{meta.get('code', name)};{fault}"
    namespace = model.metadata.get("targetPrefix", service)
    body = msgspec.json.encode({"__type": f"{namespace}#{name}", "message": error.message})
    return status, headers, body
