"""AWS clients: the standard credential chain, the endpoint, and the region from the ARN.

The endpoint is chosen in this order (the environment wins, so one file runs against AWS,
moto or any compatible endpoint without edits):

1. ``AWS_ENDPOINT_URL_<SERVICE>`` or ``AWS_ENDPOINT_URL`` in the environment (botocore reads
   them itself);
2. the config's ``aws: {endpoint_url: ...}`` block;
3. AWS's own endpoint for the ARN's region.

Credentials come from botocore's standard chain (environment, shared files and profiles,
SSO, container and instance metadata); headrace never reads or stores them itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from headrace import arn as arnlib
from headrace.errors import ExtraMissing

# The longest SQS long poll (WaitTimeSeconds' maximum); reads must be allowed to outlast it.
LONG_POLL_SECONDS = 20
# Seconds a response may take beyond a long poll before the call counts as failed.
READ_TIMEOUT_SECONDS = LONG_POLL_SECONDS + 20
# Seconds to open a connection; an unreachable endpoint fails fast and is retried.
CONNECT_TIMEOUT_SECONDS = 5
# botocore's own retries are switched off: headrace retries with its own jittered policy on
# the injected clock (headrace.aws.aws_retry), so there is one retry budget, not two multiplied.
BOTOCORE_ATTEMPTS = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class AwsSettings:
    """Where AWS calls go: the config's ``aws: {endpoint_url}`` and the environment."""

    endpoint_url: str | None = None
    environment: Mapping[str, str] | None = None  # None: os.environ at call time

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint to pass to the client: None lets botocore pick (env or AWS)."""
        env = os.environ if self.environment is None else self.environment
        if env.get(f"AWS_ENDPOINT_URL_{service.upper()}") or env.get("AWS_ENDPOINT_URL"):
            return None
        return self.endpoint_url

    def describe_endpoint(self, service: str, region: str) -> str:
        """The endpoint in words, for messages."""
        env = os.environ if self.environment is None else self.environment
        return (
            env.get(f"AWS_ENDPOINT_URL_{service.upper()}")
            or env.get("AWS_ENDPOINT_URL")
            or self.endpoint_url
            or f"AWS {service} in {region}"
        )


def region_of(resource_arn: str, default: str) -> str:
    """The region an ARN names (real resources are reached in their own region)."""
    parsed = arnlib.parse(resource_arn)
    return parsed.region if parsed is not None and parsed.region else default


def create_client(
    service: str, region: str, settings: AwsSettings, *, max_connections: int
) -> AbstractAsyncContextManager[Any]:
    """An aiobotocore client for ``service`` in ``region``, as an async context manager.

    ``max_connections`` bounds the client's connection pool: every concurrent long poll
    holds one connection, so it must exceed the number of lanes that poll at once.
    Raises :class:`ExtraMissing` when aiobotocore is not installed.
    """
    try:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session
    except ImportError as exc:  # pragma: no cover - the aws extra is installed for tests
        raise ExtraMissing("aws", "aiobotocore") from exc
    config = AioConfig(
        retries={"total_max_attempts": BOTOCORE_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        max_pool_connections=max_connections,
    )
    session = get_session()
    client: AbstractAsyncContextManager[Any] = session.create_client(
        service,
        region_name=region,
        endpoint_url=settings.endpoint_for(service),
        config=config,
    )
    return client
