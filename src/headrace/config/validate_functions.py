"""Check and build the ``functions:`` section: AWS::Lambda::Function fields with Lambda's errors.

``Handler`` is required and is read as Lambda's Python runtime reads it (see
:class:`HandlerName`): ``module.function``, ``pkg.module.function``, ``folder/module.function``,
with any file name the runtime imports (``kinesis-consumer-fn.lambda_handler``).
``CodeUri`` is a local folder, resolved against the config file's folder. Ranges follow
Lambda: Timeout 1-900, MemorySize 128-10240, ReservedConcurrentExecutions >= 0.
Environment variables are strings with Lambda's names.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headrace.config.model import FunctionConfig
from headrace.config.problems import (
    INVALID_PARAMETER,
    VALIDATION,
    Problems,
    Scope,
    check_keys,
    check_name,
    read_entry,
    read_int,
    read_mapping,
    read_section,
    read_str,
    require,
    type_name,
    validation_message,
)
from headrace.config.quoting import as_text, clip

# Lambda's bare function names: 1-64 letters, digits, hyphens, underscores.
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# Lambda's environment variable names.
ENV_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
# Lambda's pattern for Handler (CreateFunction): no whitespace.
HANDLER_PATTERN = re.compile(r"[^\s]+")
# Lambda's maximum Handler length.
MAX_HANDLER_LENGTH = 128
# The error type Lambda's Python runtime gives a handler module named like a built-in one.
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
# AWS::Lambda::Function keys (plus SAM's CodeUri) that headrace uses.
FUNCTION_KEYS = frozenset(
    {
        "Handler",
        "CodeUri",
        "Timeout",
        "MemorySize",
        "ReservedConcurrentExecutions",
        "Environment",
        "Role",
    }
)
# Variables the Lambda runtime sets itself; Lambda refuses them in Environment.Variables.
RESERVED_ENV_NAMES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


def validate_functions(
    problems: Problems, raw: Mapping[str, Any], base_dir: Path, *, enforce_memory: bool = True
) -> dict[str, FunctionConfig]:
    """Check every function; return those that passed, ``CodeUri`` resolved against ``base_dir``.

    ``enforce_memory`` is the file's top-level setting, given to every function.
    """
    built: dict[str, FunctionConfig] = {}
    for name, data in raw.items():
        scope = problems.at(f"functions.{name}")
        function = _validate_function(scope, str(name), data, base_dir, enforce_memory)
        if function is not None:
            built[function.name] = function
    return built


def _validate_function(
    scope: Scope, name: str, data: Any, base_dir: Path, enforce_memory: bool
) -> FunctionConfig | None:
    data = read_entry(scope, data, "function settings")
    if data is None:
        return None
    before = scope.count()
    check_name(scope, name, FUNCTION_NAME, "functionName")
    check_keys(scope, data, FUNCTION_KEYS, FunctionConfig.IGNORED_KEYS)
    _check_handler(scope, data)
    _check_code_uri(scope, data)
    read_int(scope, data, "Timeout", 1, 900)
    read_int(scope, data, "MemorySize", 128, 10_240)
    read_int(scope, data, "ReservedConcurrentExecutions", 0)
    read_str(scope, data, "Role")
    _check_environment(scope, data)
    if scope.count() != before:
        return None
    return FunctionConfig.from_aws(name, data, base_dir, enforce_memory=enforce_memory)


@dataclass(frozen=True, slots=True)
class HandlerName:
    """A parsed ``Handler``: the module's dotted path parts and the function's name."""

    module_parts: tuple[str, ...]  # ("pkg", "orders") for pkg.orders.handler
    function: str

    @property
    def module(self) -> str:
        return ".".join(self.module_parts)

    @classmethod
    def parse(cls, handler: str) -> HandlerName | None:
        """Split ``handler`` as Lambda's Python runtime (awslambdaric) does: at the last dot.

        The module part is imported with ``/`` read as ``.``, so folders and packages nest
        (``pkg.orders``, ``pkg/orders``), and a part is any file or folder name the import
        system finds, hyphens and leading digits included (``kinesis-consumer-fn``,
        ``dir/sub-mod``, ``2024_jobs``). The function part must be an identifier, the name
        of a ``def``. Returns None for what the runtime cannot load: no dot
        (``Runtime.MalformedHandlerName``), an empty module or function part, or a function
        part that no ``def`` can have (``Runtime.HandlerNotFound``).
        """
        module, dot, function = handler.rpartition(".")
        if not dot or not function.isidentifier():
            return None
        parts = tuple(module.replace("/", ".").split("."))
        if not all(parts):
            return None
        return cls(module_parts=parts, function=function)


def _check_handler(scope: Scope, data: Mapping[str, Any]) -> None:
    if not require(scope, data, "Handler", INVALID_PARAMETER):
        return
    handler = read_str(scope, data, "Handler")
    if handler is None:
        return
    if len(handler) > MAX_HANDLER_LENGTH:
        constraint = f"Member must have length less than or equal to {MAX_HANDLER_LENGTH}"
        scope.add("Handler", VALIDATION, validation_message(handler, "handler", constraint))
    elif not HANDLER_PATTERN.fullmatch(handler):
        constraint = f"Member must satisfy regular expression pattern: {HANDLER_PATTERN.pattern}"
        scope.add("Handler", VALIDATION, validation_message(handler, "handler", constraint))
    elif HandlerName.parse(handler) is None:
        message = (
            f"Handler '{clip(handler)}' is not of the form module.function "
            "(for example orders.handler, pkg.orders.handler or src/kinesis-consumer-fn.handler)."
        )
        scope.add("Handler", INVALID_PARAMETER, message)
    else:
        _check_built_in(scope, handler.rpartition(".")[0])


def _check_built_in(scope: Scope, module: str) -> None:
    """The runtime refuses a module whose first dotted part names a built-in module."""
    if module.split(".")[0] in sys.builtin_module_names:  # awslambdaric's exact test
        message = f"Cannot use built-in module {module} as a handler module"
        scope.add("Handler", BUILT_IN_MODULE_CONFLICT, message)


def _check_code_uri(scope: Scope, data: Mapping[str, Any]) -> None:
    code_uri = read_str(scope, data, "CodeUri")
    if code_uri is not None and "://" in code_uri:
        message = (
            f"CodeUri '{clip(code_uri)}' is not a local folder; headrace runs handlers from a "
            "folder on this machine (relative paths resolve against the config file's folder)."
        )
        scope.add("CodeUri", INVALID_PARAMETER, message)


def _check_environment(scope: Scope, data: Mapping[str, Any]) -> None:
    section = read_section(scope, data, "Environment", ("Variables",))
    if section is None:
        return
    where, environment = section
    variables = read_mapping(where, environment, "Variables")
    if variables is None:
        return
    bad_names = [str(k) for k in variables if not ENV_NAME.fullmatch(str(k))]
    if bad_names:
        constraint = (
            "Map keys must satisfy constraint: "
            f"[Member must satisfy regular expression pattern: {ENV_NAME.pattern}]"
        )
        message = validation_message(bad_names, "environment.variables", constraint)
        where.add("Variables", VALIDATION, message)
    reserved = sorted(str(k) for k in variables if str(k) in RESERVED_ENV_NAMES)
    if reserved:
        message = (
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )
        where.add("Variables", INVALID_PARAMETER, message)
    for key, value in variables.items():
        if not isinstance(value, str):
            text = str(value).lower() if isinstance(value, bool) else as_text(value)
            message = (
                f"Environment variable values must be strings, got {type_name(value)}; "
                f'quote it: {clip(str(key))}: "{text}"'
            )
            where.add(f"Variables.{key}", VALIDATION, message)
