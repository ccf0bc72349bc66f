"""The Python kind: Lambda's Python runtime, run by headrace's worker processes.

A function is this kind's when it has no ``Runtime`` or a ``python3.x`` one. ``Handler``
is required and is read as Lambda's Python runtime (awslambdaric) reads it (see
:class:`HandlerName`); ``CodeUri`` is the local folder the handler module is imported from.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headrace.functions import faults
from headrace.functions.kinds.code_folder import check_code_uri, code_folder_exists
from headrace.functions.kinds.function_kind_seam import (
    INVALID_PARAMETER,
    FunctionChecks,
    ProblemSink,
    RuntimeSettings,
)

if TYPE_CHECKING:
    from headrace.config.model import FunctionConfig
    from headrace.functions.function_seam import FunctionRuntime

# Lambda's pattern for Handler (CreateFunction): no whitespace.
HANDLER_PATTERN = re.compile(r"[^\s]+")
# Lambda's maximum Handler length.
MAX_HANDLER_LENGTH = 128


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


def module_files(code_uri: Path, handler: HandlerName) -> list[Path]:
    """Where the handler's module may live: ``<module>.py`` or ``<module>/__init__.py``."""
    *packages, module = handler.module_parts
    folder = code_uri.joinpath(*packages)
    return [folder / f"{module}.py", folder / module / "__init__.py"]


@dataclass(frozen=True, slots=True)
class PythonKind:
    """Python handlers in warm worker processes on headrace's own interpreter."""

    name: str = "python"

    def recognises(self, data: Mapping[str, Any]) -> bool:
        runtime = data.get("Runtime")
        return "Url" not in data and (runtime is None or str(runtime).startswith("python"))

    def validate(self, data: Mapping[str, Any], checks: FunctionChecks) -> None:
        _check_handler(checks)
        check_code_uri(data, checks)

    def check_files(self, function: FunctionConfig, sink: ProblemSink) -> None:
        """The CodeUri folder and the handler's module file exist, looked for the way
        Python's import system would find them (the module is never imported here)."""
        if not code_folder_exists(function.code_uri, sink):
            return
        handler = HandlerName.parse(function.handler)
        if handler is None:
            return  # reported when the config was read
        candidates = module_files(function.code_uri, handler)
        if not any(candidate.is_file() for candidate in candidates):
            looked = " and ".join(str(c.relative_to(function.code_uri)) for c in candidates)
            message = (
                f"Unable to import module '{handler.module}': No module named "
                f"'{handler.module}' (looked for {looked} in {function.code_uri})"
            )
            sink.add("Handler", faults.IMPORT_MODULE_ERROR, message)

    def build(self, function: FunctionConfig, settings: RuntimeSettings) -> FunctionRuntime:
        # Imported here: config imports this module to validate, and the process runtime
        # imports config's model (as the source kinds import their openers).
        from headrace.functions.process import ProcessFunctionRuntime

        return ProcessFunctionRuntime(
            function,
            concurrency=settings.concurrency,
            region=settings.region,
            account=settings.account,
        )


def _check_handler(checks: FunctionChecks) -> None:
    handler = checks.require_str("Handler", INVALID_PARAMETER)
    if handler is None:
        return
    if len(handler) > MAX_HANDLER_LENGTH:
        constraint = f"Member must have length less than or equal to {MAX_HANDLER_LENGTH}"
        checks.invalid("Handler", handler, "handler", constraint)
    elif not HANDLER_PATTERN.fullmatch(handler):
        constraint = f"Member must satisfy regular expression pattern: {HANDLER_PATTERN.pattern}"
        checks.invalid("Handler", handler, "handler", constraint)
    elif HandlerName.parse(handler) is None:
        message = (
            f"Handler '{checks.clip(handler)}' is not of the form module.function "
            "(for example orders.handler, pkg.orders.handler or src/kinesis-consumer-fn.handler)."
        )
        checks.add("Handler", INVALID_PARAMETER, message)
    else:
        _check_built_in(checks, handler.rpartition(".")[0])


def _check_built_in(checks: FunctionChecks, module: str) -> None:
    """The runtime refuses a module whose first dotted part names a built-in module."""
    if module.split(".")[0] in sys.builtin_module_names:  # awslambdaric's exact test
        message = f"Cannot use built-in module {module} as a handler module"
        checks.add("Handler", faults.BUILT_IN_MODULE_CONFLICT, message)


PYTHON = PythonKind()
