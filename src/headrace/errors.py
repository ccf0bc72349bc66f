"""One error tree for headrace.

Every error headrace raises on purpose derives from :class:`HeadraceError`::

    HeadraceError
    ├── ConfigError                 a config file or setting is invalid (exit code 2)
    │     carries ``errors``: every :class:`ConfigProblem` found, not just the first
    ├── AwsError                    an AWS-style API error (exception name + message)
    │   ├── InvalidParameterValueException
    │   ├── ValidationException
    │   ├── ConditionalCheckFailedException (DynamoDB: a ConditionExpression was false)
    │   ├── ResourceConflictException
    │   ├── ResourceNotFoundException
    │   ├── ResourceInUseException
    │   ├── QueueDoesNotExist          (SQS)
    │   ├── InvalidMessageContents      (SQS)
    │   ├── MessageTooLong             (SQS, extends InvalidParameterValue semantics)
    │   ├── BatchEntryIdsNotDistinct   (SQS)
    │   ├── TooManyEntriesInBatchRequest (SQS)
    │   ├── ReceiptHandleIsInvalid     (SQS)
    │   ├── BatchRequestTooLong        (SQS)
    │   ├── InvalidBatchEntryId        (SQS)
    │   ├── MissingParameter           (SQS)
    │   ├── InvalidArgumentException   (Kinesis)
    │   ├── ExpiredIteratorException   (Kinesis)
    │   ├── LimitExceededException     (Kinesis)
    │   └── ProvisionedThroughputExceededException (Kinesis)
    ├── BrokerError                 the embedded broker's storage failed or is misused
    │   ├── DataDirInUse             another `headrace run` holds the data_dir (``pid``)
    │   ├── DataDirChanged           data_dir or one of its files was deleted, replaced or
    │   │                            truncated under a running engine
    │   ├── StateSchemaTooNew        state.sqlite3 was written by a newer headrace (``path``,
    │   │                            ``found``, ``known``)
    │   └── StorageSchemaTooNew      a PostgreSQL storage schema was made by a newer headrace
    │                                (``component``, ``found``, ``known``)
    ├── LeaseLost                   a write carried a lease token that is no longer current
    │                                (``resource``, ``token``): the holder was fenced off
    ├── SourceUnavailable           a real AWS source could not be read (missing, denied,
    │                                unreachable); carries ``source_arn`` and AWS's ``code``
    ├── FunctionError               a handler invocation failed (kept as data on the hot path;
    │   ├── FunctionTimeout          raised only by helpers that want an exception)
    │   └── WorkerCrashed
    └── ExtraMissing                an optional dependency is not installed

Messages say what to do next. Control flow inside the engine does not use exceptions:
invocation outcomes are dataclasses (``headrace.functions.function_seam.InvocationResult``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class HeadraceError(Exception):
    """Root of every error headrace raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in a config: where it is and what AWS would say about it."""

    location: str  # "headrace.yaml: event_source_mappings[1] (process-orders): BatchSize"
    code: str  # AWS exception name, e.g. "InvalidParameterValueException"
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.code}: {self.message}"


class ConfigError(HeadraceError):
    """A config is invalid. ``errors`` lists every problem found."""

    def __init__(self, errors: list[ConfigProblem]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class AwsError(HeadraceError):
    """An error AWS's API would return: ``code`` is its exception name."""

    code = "ServiceException"
    http_status = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(f"{self.code}: {message}")


class InvalidParameterValueException(AwsError):
    code = "InvalidParameterValueException"
    http_status = 400


class ValidationException(AwsError):
    code = "ValidationException"
    http_status = 400


class ConditionalCheckFailedException(AwsError):
    """DynamoDB: a write's ConditionExpression was false of the stored item; nothing was
    written. ``item`` is the stored item when ReturnValuesOnConditionCheckFailure asked for
    it (ALL_OLD), else None."""

    code = "ConditionalCheckFailedException"
    http_status = 400

    def __init__(
        self, message: str = "The conditional request failed", item: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.item = item


class ResourceConflictException(AwsError):
    code = "ResourceConflictException"
    http_status = 409


class ResourceNotFoundException(AwsError):
    code = "ResourceNotFoundException"
    http_status = 404


class ResourceInUseException(AwsError):
    code = "ResourceInUseException"
    http_status = 400


class QueueDoesNotExist(AwsError):
    """SQS: the named queue is not declared (wire code AWS.SimpleQueueService.NonExistentQueue)."""

    code = "QueueDoesNotExist"
    http_status = 400


class QueueNameExists(AwsError):
    """SQS: CreateQueue of an existing name with other attributes (query code
    QueueAlreadyExists)."""

    code = "QueueNameExists"
    http_status = 400


class InvalidAttributeName(AwsError):
    """SQS: an attribute name the operation does not know."""

    code = "InvalidAttributeName"
    http_status = 400


class InvalidAttributeValue(AwsError):
    """SQS: an attribute value out of its range or of the wrong kind."""

    code = "InvalidAttributeValue"
    http_status = 400


class PurgeQueueInProgress(AwsError):
    """SQS: a second PurgeQueue of one queue within 60 seconds."""

    code = "PurgeQueueInProgress"
    http_status = 400


class InvalidAddress(AwsError):
    """SQS: a QueueUrl that is not the URL of a queue."""

    code = "InvalidAddress"
    http_status = 400


class InvalidMessageContents(AwsError):
    code = "InvalidMessageContents"
    http_status = 400


class MessageTooLong(AwsError):
    code = "InvalidParameterValue"
    http_status = 400


class InvalidParameterValue(AwsError):
    """SQS's own (non-Lambda) spelling of a bad parameter."""

    code = "InvalidParameterValue"
    http_status = 400


class MissingParameter(AwsError):
    code = "MissingParameter"
    http_status = 400


class BatchEntryIdsNotDistinct(AwsError):
    code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    http_status = 400


class TooManyEntriesInBatchRequest(AwsError):
    code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    http_status = 400


class EmptyBatchRequest(AwsError):
    code = "AWS.SimpleQueueService.EmptyBatchRequest"
    http_status = 400


class ReceiptHandleIsInvalid(AwsError):
    code = "ReceiptHandleIsInvalid"
    http_status = 400


class BatchRequestTooLong(AwsError):
    code = "AWS.SimpleQueueService.BatchRequestTooLong"
    http_status = 400


class InvalidBatchEntryId(AwsError):
    code = "AWS.SimpleQueueService.InvalidBatchEntryId"
    http_status = 400


class InvalidArgumentException(AwsError):
    """Kinesis: an argument is well-formed but not acceptable (a hash key, a sequence number)."""

    code = "InvalidArgumentException"
    http_status = 400


class ExpiredIteratorException(AwsError):
    """Kinesis: a shard iterator is older than the five minutes it stays valid."""

    code = "ExpiredIteratorException"
    http_status = 400


class LimitExceededException(AwsError):
    """Kinesis: a request goes past a limit of the stream (e.g. UpdateShardCount's range)."""

    code = "LimitExceededException"
    http_status = 400


class ProvisionedThroughputExceededException(AwsError):
    """Kinesis: a shard's read or write rate limit was exceeded; retry with backoff."""

    code = "ProvisionedThroughputExceededException"
    http_status = 400


class BrokerError(HeadraceError):
    """The embedded broker's storage failed or was used in a way it does not allow."""


class DataDirInUse(BrokerError):
    """Another ``headrace run`` holds the data_dir's engine lock; ``pid`` is its process id
    (None when it could not be read)."""

    def __init__(self, message: str, *, data_dir: str, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        super().__init__(message)


class DataDirChanged(BrokerError):
    """The data_dir of a running engine, or one of its files, was deleted, replaced or
    truncated: the engine would otherwise go on with files nobody else sees."""


class StateSchemaTooNew(BrokerError):
    """A state file's schema version is newer than this headrace knows: it is refused
    unread and untouched (``path``, the ``found`` and ``known`` versions)."""

    def __init__(self, path: str, *, found: int, known: int) -> None:
        self.path = path
        self.found = found
        self.known = known
        super().__init__(
            f"{path} has schema version {found}, newer than {known}, the newest this "
            "headrace knows: it was written by a newer headrace; upgrade headrace or use "
            "another data_dir (the file is left as it is)"
        )


class StorageSchemaTooNew(BrokerError):
    """A PostgreSQL storage database holds a ``component``'s tables (``state``…) at a schema
    version newer than this headrace knows: refused, nothing read or changed (``found``,
    ``known``)."""

    def __init__(self, component: str, *, found: int, known: int) -> None:
        self.component = component
        self.found = found
        self.known = known
        super().__init__(
            f"the storage database's {component} tables have schema version {found}, newer "
            f"than {known}, the newest this headrace knows: a newer headrace migrated them; "
            "upgrade headrace or point storage at another database (nothing was changed)"
        )


class LeaseLost(HeadraceError):
    """A write that depends on a lease carried a token that is no longer current: the lease
    was released, or taken or stolen by another owner since. The write is refused whole, so a
    stale holder never commits (``resource``, ``owner``, ``token``)."""

    def __init__(self, resource: str, *, owner: str, token: int) -> None:
        self.resource = resource
        self.owner = owner
        self.token = token
        super().__init__(
            f"the lease on {resource} held by {owner} with token {token} is no longer "
            "current: another owner took it; stop working on it and take it again"
        )


class SourceUnavailable(HeadraceError):
    """A real AWS source could not be read or written: it is missing, access is denied, or
    AWS stayed unreachable after retries.

    The message is AWS's, in the form Lambda shows (``Error occurred while ReceiveMessage.
    SQS Error Code: ... SQS Error Message: ...``); ``code`` is AWS's error code (empty when
    AWS was not reached) and ``transient`` says whether trying again later may succeed
    without anyone fixing anything (throttling, a 5xx, a network error).
    """

    def __init__(self, message: str, *, source_arn: str, code: str = "", transient: bool) -> None:
        self.message = message
        self.source_arn = source_arn
        self.code = code
        self.transient = transient
        super().__init__(message)


class FunctionError(HeadraceError):
    """A handler invocation failed."""


class FunctionTimeout(FunctionError):
    """A handler ran past its function's ``Timeout`` and its worker was killed."""


class WorkerCrashed(FunctionError):
    """A worker process died while running a handler."""


class ExtraMissing(HeadraceError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"{module} is not installed; install it with: pip install 'headrace[{extra}]'"
        )
