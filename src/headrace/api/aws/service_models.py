"""AWS's own service models (botocore's), loaded once per service on first use.

The wire protocols read input and output shapes from them, so a request is decoded and an
answer encoded exactly as the SDKs built from the same models expect.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


@functools.cache
def _loader() -> Loader:
    return Loader()


@functools.cache
def service_model(name: str) -> ServiceModel:
    """botocore's model of the service ``name`` (``"sqs"``, ``"lambda"``, ...)."""
    return ServiceModel(_loader().load_service_model(name, "service-2"), name)


def operation_model(service: str, operation: str) -> OperationModel | None:
    """The model of one operation, or None if the service has no operation of that name."""
    model = service_model(service)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


# SQS's query-protocol error codes. Its JSON model no longer carries them, but its endpoint
# still sends them (``x-amzn-query-error``) and the SDKs look modelled exceptions up by them.
_QUERY_CODES: dict[str, dict[str, str]] = {
    "sqs": {
        "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
        "QueueNameExists": "QueueAlreadyExists",
        "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
        "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
        "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
        "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
        "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
        "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    }
}


@functools.cache
def error_shapes(service: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every modelled error of a service by its wire code and by its shape name.

    Each value is ``(shape name, the shape's "error" metadata)``; SQS's errors carry a
    query-protocol code (``AWS.SimpleQueueService.NonExistentQueue``) besides their name.
    """
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    model = service_model(service)
    for shape in model.error_shapes:
        error = dict(shape.metadata.get("error", {}))
        query_code = _QUERY_CODES.get(service, {}).get(shape.name)
        if query_code is not None:
            error.setdefault("code", query_code)
        found[shape.name] = (shape.name, error)
        if "code" in error:
            found[str(error["code"])] = (shape.name, error)
    return found
