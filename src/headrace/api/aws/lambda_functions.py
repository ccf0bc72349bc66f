"""The declared functions as Lambda's API describes them (GetFunction, ListFunctions), and
how a FunctionName of a request names one of them.

headrace has no versions or aliases: every function is ``$LATEST``. A FunctionName may be
the name, a partial or full ARN, with the ``$LATEST`` qualifier or none.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from headrace import arn as arnlib
from headrace.config.model import Config, FunctionConfig
from headrace.config.validate_links import LATEST, function_name
from headrace.errors import AwsError, ResourceNotFoundException


class TooManyRequestsException(AwsError):
    """The function's concurrency is in use (Invoke): Lambda's throttle."""

    code = "TooManyRequestsException"
    http_status = 429


def resolve_function(config: Config, name: str, qualifier: str | None = None) -> FunctionConfig:
    """The declared function ``name`` (and ``qualifier``) names; ResourceNotFoundException
    with Lambda's "Function not found: <arn>" otherwise."""
    text = name if not qualifier else f"{name}:{qualifier}"
    bare = function_name(text, config)
    if bare is None or bare not in config.functions:
        shown = text
        if not text.startswith("arn:"):
            named = text.split("function:")[-1]
            shown = arnlib.lambda_function(config.region, config.account, named)
        raise ResourceNotFoundException(f"Function not found: {shown}")
    return config.functions[bare]


def function_configuration(config: Config, function: FunctionConfig) -> dict[str, Any]:
    """FunctionConfiguration of a declared function (GetFunction's ``Configuration``)."""
    out: dict[str, Any] = {
        "FunctionName": function.name,
        "FunctionArn": arnlib.lambda_function(config.region, config.account, function.name),
        "Handler": function.handler,
        "CodeSize": 0,
        "Description": "",
        "Timeout": function.timeout,
        "MemorySize": function.memory_size,
        "LastModified": _last_modified(config),
        "CodeSha256": _sha256(function),
        "Version": LATEST,
        "Environment": {"Variables": dict(function.environment)},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
    }
    if function.runtime is not None:
        out["Runtime"] = function.runtime
    if function.role is not None:
        out["Role"] = function.role
    return out


def get_function(config: Config, function: FunctionConfig) -> dict[str, Any]:
    """GetFunction's output: the configuration, where the code is, the concurrency."""
    out: dict[str, Any] = {
        "Configuration": function_configuration(config, function),
        "Code": {"RepositoryType": "FILE", "Location": function.code_uri.as_uri()},
    }
    if function.reserved_concurrent_executions is not None:
        reserved = function.reserved_concurrent_executions
        out["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
    return out


def _last_modified(config: Config) -> str:
    """Lambda's LastModified format, from the config file's modification time."""
    try:
        stamp = config.path.stat().st_mtime
    except OSError:
        stamp = 0.0
    moment = datetime.fromtimestamp(stamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _sha256(function: FunctionConfig) -> str:
    """A stand-in for CodeSha256: the digest of the function's declaration (headrace does
    not package code), base64 as Lambda shows it."""
    text = json.dumps(function.to_aws(), sort_keys=True).encode()
    return base64.b64encode(hashlib.sha256(text).digest()).decode("ascii")
