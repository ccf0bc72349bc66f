"""What the embedded tables hand back: named, frozen results with DynamoDB's shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headrace.broker.tables.attribute_values import Item


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteResult:
    """One item write's outcome.

    ``event_name`` is INSERT, MODIFY or REMOVE, or None when the write changed nothing (a
    put of an identical item, a delete of an absent one): then no change record was written,
    as DynamoDB Streams writes none. ``sequence_number`` is the change record's (None without
    a record or a stream). ``attributes`` is what ReturnValues asked for (None: nothing).
    """

    event_name: str | None
    sequence_number: str | None
    attributes: Item | None = None

    @property
    def changed(self) -> bool:
        return self.event_name is not None

    def to_aws(self) -> dict[str, Any]:
        """The PutItem / UpdateItem / DeleteItem response body."""
        return {} if self.attributes is None else {"Attributes": self.attributes}


@dataclass(frozen=True, slots=True)
class BatchWriteResult:
    """BatchWriteItem's outcome: every put's, then every delete's, in request order.

    Nothing is ever left unprocessed (there is no throughput limit to hit).
    """

    puts: tuple[WriteResult, ...]
    deletes: tuple[WriteResult, ...]

    @property
    def sequence_numbers(self) -> list[str]:
        """The change records' sequence numbers, in the order they were written."""
        numbers = (r.sequence_number for r in (*self.puts, *self.deletes))
        return [number for number in numbers if number is not None]

    def to_aws(self) -> dict[str, Any]:
        return {"UnprocessedItems": {}}


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadPage:
    """One page of a Query or Scan.

    ``items`` passed the FilterExpression (projected; empty for Select COUNT); ``count`` is
    how many passed, ``scanned_count`` how many were read before the filter.
    ``last_evaluated_key`` is the key to start the next page after (None: no more pages).
    """

    items: tuple[Item, ...]
    count: int
    scanned_count: int
    last_evaluated_key: Item | None
    count_only: bool = False

    def to_aws(self) -> dict[str, Any]:
        """The Query / Scan response body."""
        out: dict[str, Any] = {"Count": self.count, "ScannedCount": self.scanned_count}
        if not self.count_only:
            out["Items"] = list(self.items)
        if self.last_evaluated_key is not None:
            out["LastEvaluatedKey"] = self.last_evaluated_key
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class TableSummary:
    """DescribeTable's facts about one table that headrace has."""

    table_name: str
    table_arn: str
    creation_date_time: float  # epoch seconds
    item_count: int
    latest_stream_arn: str | None
    latest_stream_label: str | None
    stream_view_type: str | None
    # KeySchema and AttributeDefinitions as DynamoDB describes them.
    key_schema: tuple[dict[str, str], ...] = ()
    attribute_definitions: tuple[dict[str, str], ...] = ()

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "TableName": self.table_name,
            "TableArn": self.table_arn,
            "TableStatus": "ACTIVE",
            "CreationDateTime": self.creation_date_time,
            "ItemCount": self.item_count,
            "KeySchema": list(self.key_schema),
            "AttributeDefinitions": list(self.attribute_definitions),
        }
        if self.latest_stream_arn is not None:
            out["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": self.stream_view_type,
            }
            out["LatestStreamLabel"] = self.latest_stream_label
            out["LatestStreamArn"] = self.latest_stream_arn
        return out


@dataclass(frozen=True, slots=True)
class TableBrokerStatistics:
    """What this process's :class:`TableBroker` did since it opened."""

    items_put: int
    items_updated: int
    items_deleted: int
    items_read: int
    unchanged_writes: int  # writes that changed nothing, so wrote no change record
    change_records: int
    records_trimmed: int
