"""Lambda's event source mapping API on a running headrace, through boto3 (§1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_support import running_headrace
from lambda_support import (
    FIFO_ARN,
    QUEUE_ARN,
    STREAM_ARN,
    TABLE_ARN,
    call,
    logged,
    project,
    settled,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)

# §1.3.1: the fields of an SQS mapping's response, exactly.
SQS_FIELDS = {
    "BatchSize",
    "EventSourceArn",
    "EventSourceMappingArn",
    "FunctionArn",
    "FunctionResponseTypes",
    "LastModified",
    "MaximumBatchingWindowInSeconds",
    "State",
    "StateTransitionReason",
    "UUID",
}
# §1.3.2: the fields of a stream mapping's response, exactly (no OnFailure destination).
STREAM_FIELDS = SQS_FIELDS | {
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "LastProcessingResult",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "StartingPosition",
    "TumblingWindowInSeconds",
}


def shown(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


async def test_create_answers_202_creating_with_the_recorded_sqs_fields(tmp_path: Path) -> None:
    """§1.1.1, §1.3.1, §1.4.2: 202, Creating, USER_INITIATED, exactly SQS's fields; the
    mapping then delivers the queue's messages and Get shows it Enabled."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam, sqs_broker = running.client("lambda"), running.app.broker
        created = await call(
            lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=QUEUE_ARN
        )
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert set(shown(created)) == SQS_FIELDS
        assert created["State"] == "Creating"
        assert created["StateTransitionReason"] == "USER_INITIATED"
        assert (created["BatchSize"], created["MaximumBatchingWindowInSeconds"]) == (10, 0)
        assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:fn"
        uuid = created["UUID"]
        assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{uuid}")
        await sqs_broker.call(sqs_broker.queues.send_message, "orders", "hello")
        await wait_for(lambda: logged(tmp_path) == ["hello"], "the message to be delivered")
        got = await settled(lam, uuid)
        assert set(shown(got)) == SQS_FIELDS
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200


async def test_stream_mapping_has_the_recorded_stream_fields(tmp_path: Path) -> None:
    """§1.3.2, §1.3.4-1.3.5: a stream mapping answers with the stream defaults, "User
    action" and "No records processed"."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        created = await call(
            lam.create_event_source_mapping,
            FunctionName="fn",
            EventSourceArn=STREAM_ARN,
            StartingPosition="TRIM_HORIZON",
        )
        assert set(shown(created)) == STREAM_FIELDS
        assert created["StateTransitionReason"] == "User action"
        assert created["LastProcessingResult"] == "No records processed"
        assert created["DestinationConfig"] == {"OnFailure": {}}
        assert (created["BatchSize"], created["ParallelizationFactor"]) == (100, 1)
        assert (created["MaximumRetryAttempts"], created["MaximumRecordAgeInSeconds"]) == (-1, -1)
        await settled(lam, created["UUID"])


async def new_uuid(lam: Any) -> str:
    """The UUID of a new mapping of ``fn`` on the ``orders`` queue."""
    created = await call(
        lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=QUEUE_ARN
    )
    return str(created["UUID"])


async def send(running: Any, body: str) -> None:
    broker = running.app.broker
    await broker.call(broker.queues.send_message, "orders", body)


async def test_enabled_false_is_disabled_and_updates_move_through_enabling_and_disabling(
    tmp_path: Path,
) -> None:
    """§1.4.3-1.4.5: created Disabled; Enabled true → Enabling then Enabled; Enabled false
    → Disabling then Disabled; each update answers 202 with a later LastModified."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        created = await call(
            lam.create_event_source_mapping,
            FunctionName="fn",
            EventSourceArn=QUEUE_ARN,
            Enabled=False,
        )
        uuid = created["UUID"]
        assert created["State"] == "Disabled"
        enabling = await call(lam.update_event_source_mapping, UUID=uuid, Enabled=True)
        assert enabling["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert enabling["State"] == "Enabling"
        assert enabling["LastModified"] >= created["LastModified"]
        await settled(lam, uuid, "Enabled")
        disabling = await call(lam.update_event_source_mapping, UUID=uuid, Enabled=False)
        assert disabling["State"] == "Disabling"
        await settled(lam, uuid, "Disabled")


async def test_other_updates_are_updating_then_show_the_new_values(tmp_path: Path) -> None:
    """§1.4.6, §1.2.2: an update of BatchSize and window is Updating, then Enabled with them;
    an empty FilterCriteria removes the filters."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        created = await call(
            lam.create_event_source_mapping,
            FunctionName="fn",
            EventSourceArn=QUEUE_ARN,
            FilterCriteria={"Filters": [{"Pattern": '{"body": ["x"]}'}]},
        )
        uuid = created["UUID"]
        assert created["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": ["x"]}'}]}
        await settled(lam, uuid)
        updated = await call(
            lam.update_event_source_mapping,
            UUID=uuid,
            BatchSize=50,
            MaximumBatchingWindowInSeconds=1,
            FilterCriteria={},
        )
        assert updated["State"] == "Updating"
        got = await settled(lam, uuid)
        assert (got["BatchSize"], got["MaximumBatchingWindowInSeconds"]) == (50, 1)
        assert "FilterCriteria" not in got


async def test_update_and_delete_while_updating_are_resource_in_use(tmp_path: Path) -> None:
    """§1.4.8: while an update waits for an in-flight batch (Updating), another update and
    a delete are ResourceInUseException (400)."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        uuid = await new_uuid(lam)
        await send(running, "hold")
        await wait_for(lambda: "holding" in logged(tmp_path), "the batch to be held")
        updating = await call(lam.update_event_source_mapping, UUID=uuid, BatchSize=5)
        assert updating["State"] == "Updating"
        with pytest.raises(lam.exceptions.ResourceInUseException) as again:
            await call(lam.update_event_source_mapping, UUID=uuid, BatchSize=6)
        with pytest.raises(lam.exceptions.ResourceInUseException):
            await call(lam.delete_event_source_mapping, UUID=uuid)
        assert again.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        (tmp_path / "release").write_text("")
        assert (await settled(lam, uuid))["BatchSize"] == 5


async def test_delete_is_deleting_then_gone_and_unknown_uuids_are_not_found(
    tmp_path: Path,
) -> None:
    """§1.1.4, §1.1.7, §1.4.7: delete answers 202 Deleting; later Get, Update and Delete
    are ResourceNotFoundException (404) with AWS's text."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        uuid = await new_uuid(lam)
        await settled(lam, uuid)
        deleted = await call(lam.delete_event_source_mapping, UUID=uuid)
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert deleted["State"] == "Deleting"
        await wait_for(lambda: running.app.engine.list() == [], "the mapping to be gone")
        for method, extra in (
            (lam.get_event_source_mapping, {}),
            (lam.update_event_source_mapping, {"BatchSize": 5}),
            (lam.delete_event_source_mapping, {}),
        ):
            with pytest.raises(lam.exceptions.ResourceNotFoundException) as missing:
                await call(method, UUID=uuid, **extra)
            error = missing.value.response
            assert error["Error"]["Message"] == "The resource you requested does not exist."
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 404


# §1.6: a request and the error AWS records for it (exception name, message).
INVALID_REQUESTS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no source §1.6.1",
        {"FunctionName": "fn"},
        "InvalidParameterValueException",
        "Unrecognized event source.",
    ),
    (
        "no function §1.6.2",
        {"FunctionName": "nope", "EventSourceArn": QUEUE_ARN},
        "InvalidParameterValueException",
        "Function does not exist",
    ),
    (
        "destination before function §1.6.3",
        {
            "FunctionName": "nope",
            "EventSourceArn": QUEUE_ARN,
            "DestinationConfig": {"OnSuccess": {"Destination": QUEUE_ARN}},
        },
        "InvalidParameterValueException",
        "Unsupported DestinationConfig parameter for given event source mapping type.",
    ),
    (
        "no starting position §1.6.4",
        {"FunctionName": "fn", "EventSourceArn": STREAM_ARN},
        "InvalidParameterValueException",
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
        "constraint: Member must not be null.",
    ),
    (
        "bad starting position §1.6.5",
        {"FunctionName": "fn", "EventSourceArn": STREAM_ARN, "StartingPosition": "invalid"},
        "ValidationException",
        "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy "
        "constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    ),
    (
        "AT_TIMESTAMP on a table §1.6.6",
        {
            "FunctionName": "fn",
            "EventSourceArn": TABLE_ARN,
            "StartingPosition": "AT_TIMESTAMP",
            "StartingPositionTimestamp": 1,
        },
        "InvalidParameterValueException",
        "Unsupported starting position for arn type: ",
    ),
    (
        "big batch without window §1.6.7",
        {"FunctionName": "fn", "EventSourceArn": QUEUE_ARN, "BatchSize": 11},
        "InvalidParameterValueException",
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10",
    ),
    (
        "FIFO window §1.6.8",
        {"FunctionName": "fn", "EventSourceArn": FIFO_ARN, "MaximumBatchingWindowInSeconds": 1},
        "InvalidParameterValueException",
        "Batching window is not supported for FIFO queues",
    ),
    (
        "visibility below timeout §1.6.10",
        {"FunctionName": "fn", "EventSourceArn": QUEUE_ARN.replace("orders", "short")},
        "InvalidParameterValueException",
        "Queue visibility timeout: 2 seconds is less than Function timeout: 5 seconds",
    ),
    (
        "no such queue §1.6.11",
        {"FunctionName": "fn", "EventSourceArn": QUEUE_ARN + "-nope"},
        "InvalidParameterValueException",
        "Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does "
        "not exist.",
    ),
    (
        "no such stream §1.6.12",
        {
            "FunctionName": "fn",
            "EventSourceArn": STREAM_ARN + "-nope",
            "StartingPosition": "LATEST",
        },
        "InvalidParameterValueException",
        f"Stream not found: {STREAM_ARN}-nope",
    ),
    (
        "record age §1.6.13",
        {
            "FunctionName": "fn",
            "EventSourceArn": STREAM_ARN,
            "StartingPosition": "LATEST",
            "MaximumRecordAgeInSeconds": 30,
        },
        "InvalidParameterValueException",
        "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 "
        "(inclusive)",
    ),
    (
        "bad filter §1.6.14",
        {
            "FunctionName": "fn",
            "EventSourceArn": QUEUE_ARN,
            "FilterCriteria": {"Filters": [{"Pattern": '{"body": "x"}'}]},
        },
        "InvalidParameterValueException",
        "Invalid filter pattern definition.",
    ),
]


@pytest.mark.parametrize(
    ("request_fields", "code", "message"),
    [case[1:] for case in INVALID_REQUESTS],
    ids=[case[0] for case in INVALID_REQUESTS],
)
async def test_invalid_creates_raise_aws_exception_and_message(
    tmp_path: Path, request_fields: dict[str, Any], code: str, message: str
) -> None:
    """§1.6: each invalid create raises boto3's modelled exception with AWS's message (a
    prefix where AWS names the ARN), HTTP 400, and makes no mapping."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        # ValidationException is not in Lambda's model: boto3 raises a plain ClientError.
        modelled = code != "ValidationException"
        with pytest.raises(getattr(lam.exceptions, code) if modelled else ClientError) as raised:
            await call(lam.create_event_source_mapping, **request_fields)
        error = raised.value.response
        assert error["Error"]["Code"] == code
        assert error["Error"]["Message"].startswith(message)
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert running.app.engine.list() == []


async def test_update_is_checked_as_create_is(tmp_path: Path) -> None:
    """§1.6.7 on update: BatchSize over 10 without a window is refused and changes nothing."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        uuid = await new_uuid(lam)
        await settled(lam, uuid)
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
            await call(lam.update_event_source_mapping, UUID=uuid, BatchSize=11)
        assert raised.value.response["Error"]["Message"].startswith("Maximum batch window")
        assert (await settled(lam, uuid))["BatchSize"] == 10


async def test_a_second_mapping_of_the_same_function_and_source_is_a_conflict(
    tmp_path: Path,
) -> None:
    """§1.6.15: 409 ResourceConflictException naming the first mapping's UUID, on create,
    and on an update that moves another mapping onto the same pair."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        first = await call(
            lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=QUEUE_ARN
        )
        with pytest.raises(lam.exceptions.ResourceConflictException) as raised:
            await call(
                lam.create_event_source_mapping,
                FunctionName="arn:aws:lambda:us-east-1:000000000000:function:fn",
                EventSourceArn=QUEUE_ARN,
            )
        error = raised.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert error["Error"]["Message"] == (
            f'An event source mapping with SQS arn (" {QUEUE_ARN} ") and function (" fn ") '
            "already exists. Please update or delete the existing mapping with UUID "
            f"{first['UUID']}"
        )
        other = await call(
            lam.create_event_source_mapping, FunctionName="fn2", EventSourceArn=QUEUE_ARN
        )
        await settled(lam, other["UUID"])
        with pytest.raises(lam.exceptions.ResourceConflictException):
            await call(lam.update_event_source_mapping, UUID=other["UUID"], FunctionName="fn")


async def test_list_filters_by_source_and_function_and_pages(tmp_path: Path) -> None:
    """§1.1.5-1.1.6: filters by EventSourceArn and FunctionName (name or ARN); unknown ones
    give an empty list; MaxItems pages with NextMarker, and the paginator reads them all."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        lam = running.client("lambda")
        made = [
            await call(
                lam.create_event_source_mapping, FunctionName=fn, EventSourceArn=arn, **extra
            )
            for fn, arn, extra in (
                ("fn", QUEUE_ARN, {}),
                ("fn2", QUEUE_ARN, {}),
                ("fn", STREAM_ARN, {"StartingPosition": "LATEST"}),
            )
        ]
        uuids = [m["UUID"] for m in made]
        by_source = await call(lam.list_event_source_mappings, EventSourceArn=QUEUE_ARN)
        assert [m["UUID"] for m in by_source["EventSourceMappings"]] == uuids[:2]
        fn_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn"
        by_function = await call(lam.list_event_source_mappings, FunctionName=fn_arn)
        assert [m["UUID"] for m in by_function["EventSourceMappings"]] == [uuids[0], uuids[2]]
        first = await call(lam.list_event_source_mappings, MaxItems=2)
        assert [m["UUID"] for m in first["EventSourceMappings"]] == uuids[:2]
        rest = await call(lam.list_event_source_mappings, MaxItems=2, Marker=first["NextMarker"])
        assert [m["UUID"] for m in rest["EventSourceMappings"]] == uuids[2:]
        assert "NextMarker" not in rest
        pages = lam.get_paginator("list_event_source_mappings").paginate(
            PaginationConfig={"PageSize": 1}
        )
        listed = await call(lambda: [m["UUID"] for p in pages for m in p["EventSourceMappings"]])
        assert listed == uuids
        for unknown in ({"FunctionName": "doesnotexist"}, {"EventSourceArn": QUEUE_ARN + "-x"}):
            assert (await call(lam.list_event_source_mappings, **unknown))[
                "EventSourceMappings"
            ] == []
        with pytest.raises(lam.exceptions.InvalidParameterValueException):
            await call(lam.list_event_source_mappings, Marker="not-a-marker")
