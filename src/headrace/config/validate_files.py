"""The file checks ``headrace validate`` adds: each CodeUri folder and handler module exists.

Handlers are never imported here (importing runs user code); the module's file is looked
for the way Python's import system would find it under ``CodeUri``: ``orders.handler`` needs
``orders.py`` or ``orders/__init__.py``, ``pkg.orders.handler`` needs ``pkg/orders.py`` or
``pkg/orders/__init__.py``.
"""

from __future__ import annotations

from pathlib import Path

from headrace.config.model import Config
from headrace.config.problems import INVALID_PARAMETER, Problems, display_path
from headrace.config.validate_functions import HandlerName
from headrace.errors import ConfigProblem

# The error type Lambda's Python runtime reports when the handler's module is missing.
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"


def validate_files(config: Config) -> list[ConfigProblem]:
    """One problem per function whose CodeUri folder or handler module file is missing."""
    problems = Problems(file=display_path(config.path))
    for name, function in config.functions.items():
        scope = problems.at(f"functions.{name}")
        if not function.code_uri.is_dir():
            message = f"CodeUri folder does not exist: {function.code_uri}"
            scope.add("CodeUri", INVALID_PARAMETER, message)
            continue
        handler = HandlerName.parse(function.handler)
        if handler is None:
            continue  # reported when the config was read
        candidates = module_files(function.code_uri, handler)
        if not any(candidate.is_file() for candidate in candidates):
            looked = " and ".join(str(c.relative_to(function.code_uri)) for c in candidates)
            message = (
                f"Unable to import module '{handler.module}': No module named "
                f"'{handler.module}' (looked for {looked} in {function.code_uri})"
            )
            scope.add("Handler", IMPORT_MODULE_ERROR, message)
    return problems.found


def module_files(code_uri: Path, handler: HandlerName) -> list[Path]:
    """Where the handler's module may live: ``<module>.py`` or ``<module>/__init__.py``."""
    *packages, module = handler.module_parts
    folder = code_uri.joinpath(*packages)
    return [folder / f"{module}.py", folder / module / "__init__.py"]
