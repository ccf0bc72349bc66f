"""Loading a handler and marshalling its input and output, as Lambda's Python runtime does.

Shared by the worker process and the in-memory fake, so both fail the same way: a handler
string that cannot be resolved gives awslambdaric's ``Runtime.*`` error object, an event is
decoded with ``json``, and a return value that ``json`` cannot encode is
``Runtime.MarshalError``. ``decimal.Decimal`` values encode as numbers (Lambda's encoder
does the same; boto3's DynamoDB resource returns them).

Worker processes import this module: it stays free of asyncio and the engine.
"""

from __future__ import annotations

import decimal
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from headrace.functions import faults

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class LoadedHandler:
    """The outcome of loading ``module.function``: the callable, or the error object."""

    handler: Handler | None = None
    error: dict[str, Any] | None = None


def load_handler(spec: str) -> LoadedHandler:
    """Import ``spec``'s module and look up its function, as Lambda's runtime does.

    Never raises for user-code problems: an import error, a syntax error, a missing
    function or any exception the module raises while loading becomes ``error``.
    """
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as exc:
        return _fault(f"Bad handler '{spec}': {exc}", faults.MALFORMED_HANDLER_NAME)
    if module_name.split(".")[0] in sys.builtin_module_names:
        return _fault(
            f"Cannot use built-in module {module_name} as a handler module",
            faults.BUILT_IN_MODULE_CONFLICT,
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        return _fault(f"Unable to import module '{module_name}': {exc}", faults.IMPORT_MODULE_ERROR)
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        return _fault(
            f"Syntax error in module '{module_name}': {exc}", faults.USER_CODE_SYNTAX_ERROR, trace
        )
    except Exception as exc:  # the module raised while it was imported
        return LoadedHandler(error=faults.from_exception(exc))
    handler = getattr(module, function_name, None)
    if handler is None:
        return _fault(
            f"Handler '{function_name}' missing on module '{module_name}'",
            faults.HANDLER_NOT_FOUND,
        )
    return LoadedHandler(handler=handler)


def _fault(message: str, error_type: str, trace: list[str] | None = None) -> LoadedHandler:
    return LoadedHandler(error=faults.make_error(message, error_type, "", trace or ()))


def decode_event(payload: bytes) -> Any:
    """The event a handler receives. Raises ValueError on bytes that are not JSON."""
    return json.loads(payload)


def encode_response(value: Any) -> bytes:
    """The handler's return value as JSON bytes (``b"null"`` for None).

    Raises TypeError or ValueError when ``json`` cannot encode it; callers turn that into
    ``Runtime.MarshalError``. A ``bytes`` return value is passed through as Lambda does.
    """
    if isinstance(value, bytes):
        return value
    return json.dumps(value, ensure_ascii=False, default=_encode_decimal).encode("utf-8")


def _encode_decimal(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return (
            int(value) if value.is_finite() and value == value.to_integral_value() else float(value)
        )
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def unmarshal_error(request_id: str, exc: BaseException) -> dict[str, Any]:
    """The error object for an event that is not JSON."""
    return faults.make_error(
        f"Unable to unmarshal input: {exc}", faults.UNMARSHAL_ERROR, request_id
    )


def marshal_error(request_id: str, exc: BaseException) -> dict[str, Any]:
    """The error object for a return value that cannot be encoded."""
    return faults.make_error(f"Unable to marshal response: {exc}", faults.MARSHAL_ERROR, request_id)
