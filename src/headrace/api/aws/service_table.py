"""The AWS services served on the endpoint: one line each.

Each entry is the dotted path of a module with ``serve(app) -> AwsService``; a module is
imported only when ``headrace run`` opens its endpoint. Adding a service is one module and
one line here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from headrace.api.aws.aws_call import AwsService

if TYPE_CHECKING:
    from headrace.app import App

SERVICE_MODULES: tuple[str, ...] = (
    "headrace.api.aws.lambda_service",
    "headrace.api.aws.kinesis_service",
    "headrace.api.aws.dynamodb_streams_service",
    "headrace.api.aws.sqs_service",
    "headrace.api.aws.dynamodb_service",
)


def served_services(app: App) -> list[AwsService]:
    """Every service of :data:`SERVICE_MODULES`, built over the running app's parts."""
    services: list[AwsService] = []
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        services.append(module.serve(app))
    return services
