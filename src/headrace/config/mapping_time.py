"""StartingPositionTimestamp: when an AT_TIMESTAMP mapping starts reading (§1.2, Kinesis).

The API takes epoch seconds. In YAML it may also be an ISO 8601 date and time, which the
YAML loader may already have turned into a ``datetime``; times without a zone are UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from headrace.config.problems import INVALID_PARAMETER, VALIDATION, Scope, validation_message

# The one StartingPosition that reads StartingPositionTimestamp.
AT_TIMESTAMP = "AT_TIMESTAMP"


def check_timestamp(scope: Scope, data: Mapping[str, Any], position: str | None) -> float | None:
    """The timestamp as epoch seconds; it is required with AT_TIMESTAMP and only allowed there."""
    value = data.get("StartingPositionTimestamp")
    if value is None:
        if position == AT_TIMESTAMP:
            message = "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP."
            scope.add("StartingPositionTimestamp", INVALID_PARAMETER, message)
        return None
    if position is not None and position != AT_TIMESTAMP:
        message = "StartingPositionTimestamp applies only when StartingPosition is AT_TIMESTAMP."
        scope.add("StartingPositionTimestamp", INVALID_PARAMETER, message)
        return None
    epoch = epoch_seconds(value)
    if epoch is None:
        constraint = "Member must be a timestamp: epoch seconds or an ISO 8601 date and time"
        message = validation_message(value, "startingPositionTimestamp", constraint)
        scope.add("StartingPositionTimestamp", VALIDATION, message)
    return epoch


def epoch_seconds(value: Any) -> float | None:
    """Epoch seconds from a number, a ``datetime``/``date`` or an ISO 8601 string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return float(value.timestamp())
    return None
