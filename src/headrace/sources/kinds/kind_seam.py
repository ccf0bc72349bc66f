"""The seam every source kind fills: how it is recognised, validated, shaped and opened.

A *source kind* is one way of feeding a mapping (an embedded queue, a real SQS queue, an
embedded stream, Kinesis, an embedded table's change stream, DynamoDB Streams). Each kind
is one module in this package holding one object that satisfies :class:`SourceKind`; the
registry (:mod:`headrace.sources.kinds.kind_table`) lists them. Config validation, the
engine's filters, ``headrace run`` and ``headrace status`` ask the kind, never compare
kinds, so a new kind is one new module plus its tests.

This module imports nothing from :mod:`headrace.config` at run time: config calls into the
registry, so the registry must not need config to import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig, QueueConfig
    from headrace.sources.kinds.opening import OpenContext, OpenedSource


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceDefaults:
    """Per-source defaults and limits of a mapping (§1.2, §2.4)."""

    batch_size: int
    max_batch_size: int
    supports_window: bool = True
    is_stream: bool = False
    # Fields that only make sense on stream mappings.
    starting_position_required: bool = False
    # StartingPosition values the source accepts (§1.2: AT_TIMESTAMP is Kinesis only).
    starting_positions: frozenset[str] = frozenset()
    # A BatchSize above this needs a batching window > 0 (§1.6.7: SQS standard only).
    max_batch_size_without_window: int | None = None
    # ScalingConfig / ProvisionedPollerConfig apply to queues only (§1.2).
    supports_scaling_config: bool = False
    # Name used in messages ("SQS", "Kinesis", "DynamoDB Streams").
    display_name: str = ""
    # The mapping's source fields (SOURCE_FIELDS) the kind reads; any other one given is
    # rejected as not applying to it.
    source_fields: frozenset[str] = frozenset({"EventSourceArn"})


# The CreateEventSourceMapping fields that name a mapping's source (§1.2): an ARN, or a
# self-managed Kafka cluster's endpoints, with the Kafka topic or Amazon MQ queue and the
# access configurations (secrets, VPC parts) they need.
SOURCE_FIELDS = (
    "EventSourceArn",
    "SelfManagedEventSource",
    "Topics",
    "Queues",
    "SourceAccessConfigurations",
)


# Every StartingPosition the API knows, in the order AWS lists them (§1.6.5).
STARTING_POSITIONS = ("LATEST", "AT_TIMESTAMP", "TRIM_HORIZON")


@dataclass(frozen=True, slots=True)
class Home:
    """The config's region and account: embedded kinds are recognised by it.

    An ARN in the home region and account can only name an embedded resource (design.md).
    """

    region: str
    account: str


@dataclass(frozen=True, slots=True)
class PayloadSpec:
    """Where a kind's records keep the payload filter patterns may look inside (§6.5).

    ``extract`` finds the raw payload string in a record; ``unwrap`` turns it into the
    text or bytes to parse as JSON (raising ``ValueError`` when it cannot); ``plain_text``
    says whether value-array patterns may match a non-JSON payload as a plain string.
    """

    key: str
    extract: Callable[[Mapping[str, Any]], Any]
    unwrap: Callable[[str], str | bytes]
    plain_text: bool


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    """What a mapping's EventSourceArn names, as config validation resolved it."""

    arn: str
    kind: SourceKind
    defaults: SourceDefaults  # FIFO queues get their own
    queue: QueueConfig | None  # the embedded queue, when it is one and valid
    identity: str  # what counts as "the same source" for duplicates (a table and its stream)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """Why a recognised source cannot be used: AWS's message for EventSourceArn."""

    message: str


@runtime_checkable
class SourceKind(Protocol):
    """One kind of event source. Implementations are frozen objects, one per module."""

    @property
    def name(self) -> str:
        """A short unique name (``"sqs"``, ``"embedded-queue"``) for logs and tests."""
        ...

    @property
    def defaults(self) -> SourceDefaults:
        """Defaults and limits before anything about the resource is known (§1.2)."""
        ...

    @property
    def payload(self) -> PayloadSpec | None:
        """The filter payload rule (§6.5); None when patterns see the record as is."""
        ...

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        """Whether a mapping's source fields (:data:`SOURCE_FIELDS` as AWS names them:
        ``EventSourceArn``, ``SelfManagedEventSource``, ``Topics``, ``Queues``,
        ``SourceAccessConfigurations``; absent ones left out) are this kind's. A kind
        needs no ``EventSourceArn``: one that recognises a self-managed source makes such
        mappings valid. ``home`` is None when only the fields are known: embedded kinds
        then say no, and the real kind of the same service answers."""
        ...

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        """Validate the source against the file (§1.6.11, §1.6.12). ``arn`` is ``""``
        for a source named without an ARN (a self-managed one)."""
        ...

    def built(self, config: Config, arn: str) -> bool:
        """Whether what ``arn`` names is in the built config: an embedded resource declared
        without problems of its own (mappings to others are left out); real ones always."""
        ...

    def duplicate_message(self, arn: str, function: str, first_uuid: str) -> str:
        """§1.6.15: AWS's ResourceConflictException text for a second mapping."""
        ...

    def lanes(self, config: Config, mapping: EventSourceMappingConfig) -> int:
        """How many batches a mapping can have in flight at the start (§5.2, §5.6)."""
        ...

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        """Open the source for ``headrace run``; see :mod:`.opening`."""
        ...

    def status(
        self, config: Config, mapping: EventSourceMappingConfig, depths: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Extra ``headrace status`` fields (depth, lag) for one mapping; may be empty.

        ``depths`` are the embedded queues' depths by name, read once per status call."""
        ...


class Declared(Protocol):
    """The file's declared names, as config validation collected them."""

    @property
    def queues(self) -> frozenset[str]: ...

    @property
    def streams(self) -> frozenset[str]: ...

    @property
    def tables(self) -> frozenset[str]: ...
