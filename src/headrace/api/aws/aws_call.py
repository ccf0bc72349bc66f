"""What a service sees of a request, and the base of every served AWS service.

A service is a class whose ``async`` methods are named after its operations in snake case
(``CreateQueue`` → ``create_queue``); each takes an :class:`AwsCall` and returns the
operation's output as a dict in the model's member names (bytes for blobs, ``datetime`` or
epoch seconds for timestamps), or raises an :class:`~headrace.errors.AwsError`. The wire
protocols do the rest, so a service never sees JSON, XML or HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore import xform_name

from headrace.errors import AwsError

# The account and region headrace answers as; ARNs and queue URLs carry them.
ACCOUNT_ID = "000000000000"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class AwsCall:
    """One decoded request: the operation's input and where the client addressed us."""

    operation: str
    params: dict[str, Any]
    # The ``Host`` header as the client sent it (``127.0.0.1:4566``): queue URLs use it.
    host: str
    region: str = DEFAULT_REGION
    headers: dict[str, str] = field(default_factory=dict)


Operation = Callable[[AwsCall], Awaitable[dict[str, Any]]]


class AwsService:
    """Base of a served service; ``service_name`` is botocore's name for it."""

    service_name: ClassVar[str]

    def missing_parameter(self, path: str) -> AwsError:
        """The error for a required member missing from a request (``path``: "Entries.0.Id")."""
        from headrace.api.aws.aws_endpoint import missing_member

        return missing_member(path)

    def operation(self, name: str) -> Operation | None:
        """The method serving operation ``name``, or None if this service does not serve it."""
        method = getattr(self, xform_name(name), None)
        return method if callable(method) else None

    def supported_operations(self) -> list[str]:
        """The model's operations this service serves, in the model's order."""
        from headrace.api.aws.service_models import service_model

        names = service_model(self.service_name).operation_names
        return [name for name in names if self.operation(name) is not None]
