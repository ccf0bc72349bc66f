"""Check and build the ``functions:`` section: AWS::Lambda::Function fields with Lambda's errors.

The fields every function has are checked here: the name, the keys, Timeout 1-900,
MemorySize 128-10240, ReservedConcurrentExecutions >= 0, Role, and environment variables
(strings with Lambda's names). What depends on how the function runs (``Handler`` and
``CodeUri`` for the Python runtime) is the function kind's (:mod:`headrace.functions.kinds`):
the entry's kind checks it through :class:`EntryChecks`, so its texts match these.
"""

from __future__ import annotations

import re
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
from headrace.functions.kinds.function_kind_table import kind_of_entry

# Lambda's bare function names: 1-64 letters, digits, hyphens, underscores.
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# Lambda's environment variable names.
ENV_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
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
        "Runtime",
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
    kind_of_entry(data).validate(data, EntryChecks(scope, data))
    read_int(scope, data, "Timeout", 1, 900)
    read_int(scope, data, "MemorySize", 128, 10_240)
    read_int(scope, data, "ReservedConcurrentExecutions", 0)
    read_str(scope, data, "Role")
    _check_environment(scope, data)
    if scope.count() != before:
        return None
    return FunctionConfig.from_aws(name, data, base_dir, enforce_memory=enforce_memory)


@dataclass(frozen=True, slots=True)
class EntryChecks:
    """The :class:`~headrace.functions.kinds.function_kind_seam.FunctionChecks` a function
    kind reports through: one function's entry and its scope, with config's texts."""

    scope: Scope
    data: Mapping[str, Any]

    def add(self, key: str | None, code: str, message: str) -> None:
        self.scope.add(key, code, message)

    def require_str(self, key: str, code: str) -> str | None:
        if not require(self.scope, self.data, key, code):
            return None
        return read_str(self.scope, self.data, key)

    def optional_str(self, key: str) -> str | None:
        return read_str(self.scope, self.data, key)

    def invalid(self, key: str, value: object, member: str, constraint: str) -> None:
        self.scope.add(key, VALIDATION, validation_message(value, member, constraint))

    def clip(self, text: str) -> str:
        return clip(text)


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
