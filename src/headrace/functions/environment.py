"""The environment a worker process starts with: headrace's own plus Lambda's variables.

Lambda's Python runtime sets a fixed list of reserved variables before it imports the
handler module; a worker gets the same ones, so code that reads them at import time
behaves as on AWS. The order of precedence is headrace's environment, then the function's
``Environment.Variables``, then the reserved variables (Lambda does not let a function
override those either).
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Mapping

from headrace import arn as arnlib
from headrace.config.model import FunctionConfig

# The only version headrace runs: it deploys no published versions or aliases.
FUNCTION_VERSION = "$LATEST"
# Lambda runs functions in UTC; TZ is one of its reserved variables.
LAMBDA_TZ = ":UTC"
# Every headrace worker starts on demand (no provisioned concurrency, no SnapStart).
INITIALIZATION_TYPE = "on-demand"


def log_group_name(function_name: str) -> str:
    """``/aws/lambda/<name>``, Lambda's default log group."""
    return f"/aws/lambda/{function_name}"


def log_stream_name(now: datetime.datetime | None = None) -> str:
    """A new execution environment's log stream: ``YYYY/MM/DD/[$LATEST]<32 hex>``."""
    day = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y/%m/%d")
    return f"{day}/[{FUNCTION_VERSION}]{uuid.uuid4().hex}"


def function_arn(config: FunctionConfig, region: str, account: str) -> str:
    """The unqualified function ARN a handler sees as ``invoked_function_arn``."""
    return arnlib.lambda_function(region, account, config.name)


def lambda_variables(config: FunctionConfig, region: str) -> dict[str, str]:
    """Lambda's reserved variables for one new execution environment of ``config``.

    ``AWS_EXECUTION_ENV`` is left to the worker, which knows its interpreter's version.
    """
    return {
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": FUNCTION_VERSION,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name(config.name),
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(),
        "AWS_LAMBDA_INITIALIZATION_TYPE": INITIALIZATION_TYPE,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "_HANDLER": config.handler,
        "LAMBDA_TASK_ROOT": str(config.code_uri),
        "TZ": LAMBDA_TZ,
    }


def worker_environment(
    config: FunctionConfig, region: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The full environment of a new worker: ``base`` (default: ours) + function + Lambda."""
    env = dict(os.environ if base is None else base)
    env.update(config.environment)
    env.update(lambda_variables(config, region))
    return env
