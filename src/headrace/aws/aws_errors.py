"""What a failed AWS call means, and AWS's message in the form Lambda shows it.

Every failure falls in one :class:`FailureKind`:

- TRANSIENT -- throttling, a 5xx, a timeout or a dropped connection: retry with backoff;
  nothing needs fixing;
- MISSING -- the resource does not exist (a deleted queue): the mapping shows a problem and
  recovers once the resource is back;
- DENIED -- credentials are missing, invalid or lack a permission: the mapping shows a
  problem and recovers once access is granted;
- OTHER -- anything else AWS refused; shown as a problem, and tried again later.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from headrace.errors import SourceUnavailable


class FailureKind(enum.Enum):
    """Why an AWS call failed, as far as what to do next is concerned."""

    TRANSIENT = "transient"
    MISSING = "missing"
    DENIED = "denied"
    OTHER = "other"


# Error codes AWS uses for throttling and passing server trouble; retried with backoff.
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "AWS.SimpleQueueService.ServiceUnavailable",
        "AWS.SimpleQueueService.InternalError",
        # SQS: too many messages in flight (120,000; 20,000 FIFO): they drain as batches end.
        "OverLimit",
        "KmsThrottled",
        "KMS.ThrottlingException",
        "ProvisionedThroughputExceededException",
    }
)
# Error codes that say the resource is not there.
MISSING_CODES = frozenset(
    {
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.QueueDeletedRecently",
    }
)
# Error codes that say the caller may not do this, or is not who it claims to be.
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSecurity",
        "MissingAuthenticationToken",
        "KmsAccessDenied",
        "KMS.AccessDeniedException",
        "RequestExpired",
    }
)
# HTTP statuses that are the server's trouble, not the request's.
SERVER_ERROR_STATUS = 500


@dataclass(frozen=True, slots=True)
class AwsFailure:
    """One failed call: the operation, AWS's code and message, and what kind of failure."""

    operation: str
    code: str  # "" when AWS was not reached (connection refused, timeout)
    message: str
    kind: FailureKind

    @property
    def transient(self) -> bool:
        return self.kind is FailureKind.TRANSIENT

    def sqs_text(self) -> str:
        """Lambda's wording for a failed SQS call (§1.6.11's form)."""
        if not self.code:
            return f"Error occurred while {self.operation}. {self.message}"
        return (
            f"Error occurred while {self.operation}. SQS Error Code: {self.code}. "
            f"SQS Error Message: {self.message}"
        )

    def to_error(self, source_arn: str) -> SourceUnavailable:
        """The error a source raises once retries (if any) are used up."""
        return SourceUnavailable(
            self.sqs_text(), source_arn=source_arn, code=self.code, transient=self.transient
        )


def classify(exc: BaseException, operation: str) -> AwsFailure | None:
    """What ``exc`` from an AWS call means, or None if it is not an AWS or network failure.

    Programming errors (TypeError, ...) are not classified: they propagate as they are.
    """
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        error = response["Error"]
        code = str(error.get("Code") or "")
        message = str(error.get("Message") or code)
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        return AwsFailure(operation, code, message, _kind(code, status))
    if _is_network_error(exc):
        return AwsFailure(operation, "", str(exc) or type(exc).__name__, FailureKind.TRANSIENT)
    if _is_credentials_error(exc):
        return AwsFailure(operation, "", str(exc), FailureKind.DENIED)
    return None


def _kind(code: str, status: int) -> FailureKind:
    if code in MISSING_CODES:
        return FailureKind.MISSING
    if code in DENIED_CODES:
        return FailureKind.DENIED
    if code in TRANSIENT_CODES or status >= SERVER_ERROR_STATUS:
        return FailureKind.TRANSIENT
    return FailureKind.OTHER


def _is_network_error(exc: BaseException) -> bool:
    """Timeouts and connection failures, from botocore, aiohttp or the OS."""
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    try:
        from aiohttp import ClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError
    except ImportError:  # pragma: no cover - the aws extra brings both
        return False
    return isinstance(exc, BotoConnectionError | HTTPClientError | ClientError)


def _is_credentials_error(exc: BaseException) -> bool:
    """No credentials found, or a profile that cannot produce them."""
    try:
        from botocore.exceptions import (
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
            ProfileNotFound,
        )
    except ImportError:  # pragma: no cover
        return False
    return isinstance(
        exc, NoCredentialsError | PartialCredentialsError | ProfileNotFound | NoRegionError
    )
