"""The seam every function kind fills: how it is recognised, validated and started.

A *function kind* is one way of running a function's code: Lambda's Python runtime over
worker processes today; Node.js, custom runtimes over the Runtime API and HTTP targets
next (issue 12). Each kind is one module in this package holding one object that satisfies
:class:`FunctionKind`; the registry (:mod:`.function_kind_table`) lists them. Config
validation, ``headrace validate``'s file checks and ``app.py`` ask the kind, never compare
kinds, so a new kind is one new module, one table line and its tests.

This module imports nothing from :mod:`headrace.config` at run time: config calls into the
registry, so the registry must not need config to import. A kind reports problems through
the :class:`FunctionChecks` that config hands it, with Lambda's error names and texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from headrace.config.model import FunctionConfig
    from headrace.functions.function_seam import FunctionRuntime

# AWS's error names, for kinds' problems (the same strings config's own checks use).
INVALID_PARAMETER = "InvalidParameterValueException"
VALIDATION = "ValidationException"


@dataclass(frozen=True, kw_only=True, slots=True)
class RuntimeSettings:
    """What ``headrace run`` knows beyond the function's own config when it starts one."""

    concurrency: int  # ReservedConcurrentExecutions, else the file's default
    region: str
    account: str


class ProblemSink(Protocol):
    """Where a kind reports a problem: ``key`` of the function's entry, AWS's error name."""

    def add(self, key: str | None, code: str, message: str) -> None: ...


class FunctionChecks(ProblemSink, Protocol):
    """The config reader's checks, handed to a kind so its texts match every other field's."""

    def require_str(self, key: str, code: str) -> str | None:
        """The string at ``key``; None after reporting Lambda's must-not-be-null text (with
        ``code``) when it is missing, or a type problem when it is no string."""
        ...

    def optional_str(self, key: str) -> str | None:
        """The string at ``key``, None when absent or after reporting a type problem."""
        ...

    def invalid(self, key: str, value: object, member: str, constraint: str) -> None:
        """Report AWS's ValidationException: ``value`` at ``member`` fails ``constraint``."""
        ...

    def clip(self, text: str) -> str:
        """``text`` shortened for quoting in a message, as every config message quotes."""
        ...


@runtime_checkable
class FunctionKind(Protocol):
    """One kind of function. Implementations are frozen objects, one per module."""

    @property
    def name(self) -> str:
        """A short unique name (``"python"``) for logs and tests."""
        ...

    def recognises(self, data: Mapping[str, Any]) -> bool:
        """Whether a function entry (AWS::Lambda::Function keys: ``Runtime`` today, ``Url``
        for HTTP targets later) is this kind's."""
        ...

    def validate(self, data: Mapping[str, Any], checks: FunctionChecks) -> None:
        """Check the kind's own fields (``Handler``, ``CodeUri``) with Lambda's errors."""
        ...

    def check_files(self, function: FunctionConfig, sink: ProblemSink) -> None:
        """``headrace validate``'s file checks: the code the kind will run is there.

        Never runs user code (importing a handler module would)."""
        ...

    def build(self, function: FunctionConfig, settings: RuntimeSettings) -> FunctionRuntime:
        """The function's runtime for ``headrace run``; the engine sees only its seam."""
        ...
