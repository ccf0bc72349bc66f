"""How a real stream source shows AWS problems: in Lambda's words, in the mapping's status.

A missing stream or denied access does not stop a mapping: its source keeps trying, and
meanwhile tells its listeners the problem in AWS's words (the engine's hooks show it as the
mapping's ``LastProcessingResult``, §1.3.5: ``PROBLEM: <AWS's message>``); the first call
that works tells them it is over, and what was shown before comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from headrace.aws.aws_errors import AwsFailure


class ProblemListener(Protocol):
    """Told of a source's problem (AWS's words), and of its end (None).

    The engine's hooks are one: they show the problem as ``LastProcessingResult`` and put
    back what was there when it ends. Sources never see the engine itself.
    """

    def problem(self, text: str | None) -> None: ...


@dataclass(slots=True)
class ProblemReport:
    """Tells the listeners when the problem shown changes (a new one, or none)."""

    listeners: list[ProblemListener] = field(default_factory=list)
    shown: str | None = None

    def show(self, text: str | None) -> None:
        if text == self.shown:
            return
        for listener in self.listeners:
            listener.problem(text)
        self.shown = text


def problem_text(service: str, failure: AwsFailure, arn: str) -> str:
    """A problem in Lambda's words: §1.6.12's ``Stream not found`` for a missing stream,
    else the service, AWS's code and AWS's message."""
    if failure.code == "ResourceNotFoundException":
        return f"Stream not found: {arn}"
    if not failure.code:
        return f"Error occurred while {failure.operation}. {failure.message}"
    return (
        f"Error occurred while {failure.operation}. {service} Error Code: {failure.code}. "
        f"{service} Error Message: {failure.message}"
    )
