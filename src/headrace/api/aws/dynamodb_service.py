"""DynamoDB on the endpoint, over the run's embedded tables.

Every operation is one call of the table storage (``TableStorage``: the same broker the
engine's table streams are written by and ``headrace table`` uses), opened with the streams
file on the endpoint's first need (:meth:`headrace.mapping_sources.MappingSources.
endpoint_streams`). This module maps requests to those calls: it parses each request's
expressions together (:func:`~headrace.broker.tables.expressions.parse_expressions`), checks
CreateTable as the file's tables are checked, pages ListTables, and spreads BatchWriteItem
over its tables. Item semantics, change records and DynamoDB's error texts are the
broker's. Differences from DynamoDB: ``docs/api.md``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.broker.tables.document_paths import project
from headrace.broker.tables.expressions import ParsedExpressions, parse_expressions
from headrace.broker.tables.table_api import MAX_BATCH_WRITE_ITEMS
from headrace.broker.tables.table_reads import ReadOptions
from headrace.broker.tables.table_results import TableSummary
from headrace.config.validate_streams import check_table_request
from headrace.errors import ValidationException

if TYPE_CHECKING:
    from headrace.app import App
    from headrace.broker.tables.table_seam import TableStorage

# ListTables pages hold 1 to 100 names (100 by default).
LIST_TABLES_LIMIT = 100
# The pre-expression parameters DynamoDB still takes; headrace reads expressions only.
LEGACY_PARAMETERS = (
    "AttributesToGet",
    "AttributeUpdates",
    "ConditionalOperator",
    "Expected",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
)
# Every table reports on-demand capacity: nothing is provisioned or throttled.
_ON_DEMAND = {
    "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    "ProvisionedThroughput": {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    },
}


class DynamoDbService(AwsService):
    """The DynamoDB operations of docs/api.md, on ``app``'s embedded tables."""

    service_name = "dynamodb"

    def __init__(self, app: App) -> None:
        self._app = app

    async def _tables(self) -> TableStorage:
        return (await self._app.sources.endpoint_streams()).tables

    # -- tables -----------------------------------------------------------------------

    async def create_table(self, call: AwsCall) -> dict[str, Any]:
        config = check_table_request(str(call.params["TableName"]), call.params)
        summary = await (await self._tables()).create_table(config)
        return {"TableDescription": _description(summary)}

    async def describe_table(self, call: AwsCall) -> dict[str, Any]:
        summary = await (await self._tables()).describe_table(str(call.params["TableName"]))
        return {"Table": _description(summary)}

    async def delete_table(self, call: AwsCall) -> dict[str, Any]:
        summary = await (await self._tables()).delete_table(str(call.params["TableName"]))
        return {"TableDescription": {**_description(summary), "TableStatus": "DELETING"}}

    async def list_tables(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        limit = params.get("Limit", LIST_TABLES_LIMIT)
        if not 1 <= int(limit) <= LIST_TABLES_LIMIT:
            bound = "greater than or equal to 1" if limit < 1 else "less than or equal to 100"
            raise ValidationException(
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                f"constraint: Member must have value {bound}"
            )
        names = sorted(await (await self._tables()).list_tables())
        start = params.get("ExclusiveStartTableName")
        if start is not None:
            names = [name for name in names if name > start]
        page = names[: int(limit)]
        out: dict[str, Any] = {"TableNames": page}
        if len(names) > len(page):
            out["LastEvaluatedTableName"] = page[-1]
        return out

    # -- items ------------------------------------------------------------------------

    async def put_item(self, call: AwsCall) -> dict[str, Any]:
        params = _request(call)
        parsed = _expressions(params, condition="ConditionExpression")
        result = await (await self._tables()).put_item(
            params["TableName"],
            params["Item"],
            condition=parsed.condition,
            return_values=params.get("ReturnValues", "NONE"),
        )
        return result.to_aws()

    async def get_item(self, call: AwsCall) -> dict[str, Any]:
        params = _request(call)
        parsed = _expressions(params, projection="ProjectionExpression")
        item = await (await self._tables()).get_item(params["TableName"], params["Key"])
        if item is None:
            return {}
        if parsed.projection is not None:
            item = project(item, list(parsed.projection))
        return {"Item": item}

    async def update_item(self, call: AwsCall) -> dict[str, Any]:
        params = _request(call)
        parsed = _expressions(params, update="UpdateExpression", condition="ConditionExpression")
        result = await (await self._tables()).update_item(
            params["TableName"],
            params["Key"],
            update=parsed.update,
            condition=parsed.condition,
            return_values=params.get("ReturnValues", "NONE"),
        )
        return result.to_aws()

    async def delete_item(self, call: AwsCall) -> dict[str, Any]:
        params = _request(call)
        parsed = _expressions(params, condition="ConditionExpression")
        result = await (await self._tables()).delete_item(
            params["TableName"],
            params["Key"],
            condition=parsed.condition,
            return_values=params.get("ReturnValues", "NONE"),
        )
        return result.to_aws()

    async def batch_write_item(self, call: AwsCall) -> dict[str, Any]:
        """Each table's requests are one broker call (one transaction), table by table."""
        requests: Mapping[str, list[dict[str, Any]]] = _request(call)["RequestItems"]
        total = sum(len(entries) for entries in requests.values())
        if not requests:
            raise ValidationException(
                "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"
            )
        if total > MAX_BATCH_WRITE_ITEMS:
            raise ValidationException("Too many items requested for the BatchWriteItem call")
        tables = await self._tables()
        for table in requests:
            await tables.describe_table(table)  # every table exists before any write
        for table, entries in requests.items():
            puts = [e["PutRequest"]["Item"] for e in entries if "PutRequest" in e]
            deletes = [e["DeleteRequest"]["Key"] for e in entries if "DeleteRequest" in e]
            if any(("PutRequest" in e) == ("DeleteRequest" in e) for e in entries):
                raise ValidationException(
                    "A WriteRequest must have exactly one of PutRequest and DeleteRequest"
                )
            await tables.batch_write_item(table, puts=puts, deletes=deletes)
        return {"UnprocessedItems": {}}

    # -- reads ------------------------------------------------------------------------

    async def query(self, call: AwsCall) -> dict[str, Any]:
        params = _request(call)
        _no_index(params)
        if "KeyConditionExpression" not in params:
            raise ValidationException(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified "
                "in the request."
            )
        parsed = _expressions(
            params,
            key_condition="KeyConditionExpression",
            filter="FilterExpression",
            projection="ProjectionExpression",
        )
        assert parsed.key_condition is not None
        page = await (await self._tables()).query(
            params["TableName"],
            parsed.key_condition,
            _read_options(params, parsed),
            forward=bool(params.get("ScanIndexForward", True)),
        )
        return page.to_aws()

    async def scan(self, call: AwsCall) -> dict[str, Any]:
        params = _request(call)
        _no_index(params)
        parsed = _expressions(params, filter="FilterExpression", projection="ProjectionExpression")
        options = _read_options(params, parsed)
        tables = await self._tables()
        if not _first_segment(params):
            await tables.describe_table(params["TableName"])
            return {"Count": 0, "ScannedCount": 0, "Items": []}
        page = await tables.scan(params["TableName"], options)
        return page.to_aws()


def serve(app: App) -> DynamoDbService:
    return DynamoDbService(app)


def _request(call: AwsCall) -> dict[str, Any]:
    """The request's members with blobs (B, BS) as base64 text, as the broker keeps them;
    the pre-expression parameters are refused."""
    for name in LEGACY_PARAMETERS:
        if name in call.params:
            raise ValidationException(
                f"{name} is not supported by headrace: use the expression parameters "
                "(ProjectionExpression, ConditionExpression, UpdateExpression, "
                "KeyConditionExpression, FilterExpression)"
            )
    params: dict[str, Any] = _text_blobs(call.params)
    return params


def _text_blobs(value: Any) -> Any:
    """``value`` with every ``bytes`` inside as base64 text (only attribute values hold
    blobs in DynamoDB's requests); answers send base64 text back as the JSON blob it is."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _text_blobs(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_text_blobs(member) for member in value]
    return value


def _expressions(params: Mapping[str, Any], **members: str) -> ParsedExpressions:
    """Parse the expressions ``members`` names (argument → request member) together with
    the request's ExpressionAttributeNames and ExpressionAttributeValues."""
    sources = {argument: params.get(member) for argument, member in members.items()}
    return parse_expressions(
        **sources,
        names=params.get("ExpressionAttributeNames"),
        values=params.get("ExpressionAttributeValues"),
    )


def _read_options(params: Mapping[str, Any], parsed: ParsedExpressions) -> ReadOptions:
    limit = params.get("Limit")
    return ReadOptions(
        filter=parsed.filter,
        projection=parsed.projection,
        select=params.get("Select"),
        limit=None if limit is None else int(limit),
        start_key=params.get("ExclusiveStartKey"),
    )


def _no_index(params: Mapping[str, Any]) -> None:
    """Tables have no secondary indexes, so every IndexName is unknown."""
    index = params.get("IndexName")
    if index is not None:
        raise ValidationException(f"The table does not have the specified index: {index}")


def _first_segment(params: Mapping[str, Any]) -> bool:
    """Parallel Scan: segment 0 reads the whole table, the others nothing (each item is
    read once over the segments, as DynamoDB promises; how it spreads them is its own)."""
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if segment is None and total is None:
        return True
    if segment is None or total is None:
        missing = "Segment" if segment is None else "TotalSegments"
        raise ValidationException(
            f"The {missing} parameter is required but was not present in the request when "
            f"parameter {'TotalSegments' if segment is None else 'Segment'} is present"
        )
    if not 0 <= int(segment) < int(total):
        raise ValidationException(
            f"The Segment parameter is zero-based and must be less than parameter "
            f"TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
        )
    return int(segment) == 0


def _description(summary: TableSummary) -> dict[str, Any]:
    """DynamoDB's TableDescription: the broker's facts and on-demand capacity."""
    return {**summary.to_aws(), **_ON_DEMAND}
