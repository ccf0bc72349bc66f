"""The file checks ``headrace validate`` adds: the code each function runs is there.

Each function's kind (:mod:`headrace.functions.kinds`) says what that means: for the
Python kind, the CodeUri folder and the handler's module file, looked for the way Python's
import system would find it (``orders.handler`` needs ``orders.py`` or
``orders/__init__.py``). Handlers are never imported here (importing runs user code).
"""

from __future__ import annotations

from headrace.config.model import Config
from headrace.config.problems import Problems, display_path
from headrace.errors import ConfigProblem
from headrace.functions.kinds.function_kind_table import kind_for


def validate_files(config: Config) -> list[ConfigProblem]:
    """The problems of every function whose code is missing (its kind's file checks)."""
    problems = Problems(file=display_path(config.path))
    for name, function in config.functions.items():
        kind_for(function).check_files(function, problems.at(f"functions.{name}"))
    return problems.found
