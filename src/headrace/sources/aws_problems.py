"""How a real stream source shows AWS problems: in Lambda's words, in the mapping's status.

A missing stream or denied access does not stop a mapping: its source keeps trying, and
meanwhile the mapping's ``LastProcessingResult`` (§1.3.5) reads ``PROBLEM: <AWS's message>``;
the first call that works puts back what was there before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from headrace.aws.aws_errors import AwsFailure
from headrace.esm.statistics import MappingCounters

# §1.3.5: the LastProcessingResult a problem shows, before AWS's message.
PROBLEM_PREFIX = "PROBLEM: "


@dataclass(slots=True)
class ProblemReport:
    """Shows a problem in the mapping's LastProcessingResult and restores it afterwards."""

    counters: list[MappingCounters] = field(default_factory=list)
    shown: str | None = None
    before: dict[int, str] = field(default_factory=dict)

    def show(self, text: str | None) -> None:
        if text == self.shown:
            return
        for counters in self.counters:
            if text is None:
                counters.last_processing_result = self.before.pop(
                    id(counters), counters.last_processing_result
                )
            else:
                self.before.setdefault(id(counters), counters.last_processing_result)
                counters.last_processing_result = PROBLEM_PREFIX + text
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
