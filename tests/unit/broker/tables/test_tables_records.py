"""Change records have the exact shape AWS sends (§3.3): compared with recorded records,
and every view type's images (§3.3.1)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tables_helpers import ACCOUNT, REGION, read_stream_records, s, table_config

from headrace.broker.tables import TableBroker, stream_label

RECORDED = json.loads(Path(__file__).with_name("recorded_records.json").read_text())["records"]
# Records as Lambda delivered them to a function; the others were read by the test through
# the DynamoDB Streams API, whose client orders keys its own way.
DELIVERED = sorted(name for name in RECORDED if "/dynamodb_records/" not in name)
# Which placeholder of the recording stands for a value of which type.
PLACEHOLDER_TYPES = {
    "eventID": str,
    "SequenceNumber": str,
    "ApproximateCreationDateTime": float,
}


def _key_name(record: dict[str, Any]) -> str:
    (name,) = record["dynamodb"]["Keys"]
    return name


def _replay(make_tables: Any, changes: Any, recorded: dict[str, Any]) -> dict[str, Any]:
    """Make the write that produced ``recorded`` and return the record it stored."""
    body = recorded["dynamodb"]
    config = table_config(key=_key_name(recorded), view_type=body["StreamViewType"])
    tables: TableBroker = make_tables({"users": config})
    if recorded["eventName"] == "MODIFY":
        tables.put_item("users", body["OldImage"])
    tables.put_item("users", body["NewImage"])
    record: dict[str, Any] = changes()[-1]
    return record


@pytest.mark.parametrize("name", DELIVERED)
def test_a_record_has_the_recorded_keys_in_order(make_tables: Any, changes: Any, name: str) -> None:
    """§3.3: top-level and ``dynamodb`` keys are those AWS sent, in the same order."""
    recorded = RECORDED[name]
    ours = _replay(make_tables, changes, recorded)
    assert list(ours) == list(recorded)
    assert list(ours["dynamodb"]) == list(recorded["dynamodb"])


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_record_has_the_recorded_values(make_tables: Any, changes: Any, name: str) -> None:
    """§3.3/§3.3.5: event name, version, source, Keys, images and SizeBytes equal AWS's."""
    recorded = RECORDED[name]
    ours = _replay(make_tables, changes, recorded)
    for field in ("eventName", "eventVersion", "eventSource"):
        assert ours[field] == recorded[field]
    for field in ("Keys", "NewImage", "OldImage", "SizeBytes", "StreamViewType"):
        assert ours["dynamodb"].get(field) == recorded["dynamodb"].get(field)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_placeholders_have_the_recorded_types(make_tables: Any, changes: Any, name: str) -> None:
    """§3.3.3: eventID and SequenceNumber are strings, ApproximateCreationDateTime a number."""
    ours = _replay(make_tables, changes, RECORDED[name])
    assert isinstance(ours["eventID"], PLACEHOLDER_TYPES["eventID"])
    body = ours["dynamodb"]
    assert isinstance(body["SequenceNumber"], PLACEHOLDER_TYPES["SequenceNumber"])
    created = body["ApproximateCreationDateTime"]
    assert isinstance(created, PLACEHOLDER_TYPES["ApproximateCreationDateTime"])
    assert isinstance(body["SizeBytes"], int)


def test_event_version_is_1_1(tables: TableBroker, changes: Any) -> None:
    """§3.3.2: records say eventVersion "1.1", as real AWS sends."""
    tables.put_item("users", {"id": s("u1")})
    assert changes()[0]["eventVersion"] == "1.1"


def test_the_source_arn_is_the_stream_arn_with_the_label(
    tables: TableBroker, changes: Any, clock: Any
) -> None:
    """§3.3: eventSourceARN is arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL."""
    tables.put_item("users", {"id": s("u1")})
    label = stream_label(int(clock.time() * 1000))
    expected = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/users/stream/{label}"
    assert changes()[0]["eventSourceARN"] == expected
    assert changes()[0]["awsRegion"] == REGION


def test_the_label_has_dynamodbs_format(clock: Any, make_tables: Any) -> None:
    """§3.3: the label is the creation time like 2015-05-11T21:21:33.291."""
    clock.advance(0.291)
    tables = make_tables()
    label = tables.stream_arn("users").rsplit("/", 1)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", label)
    assert label == "2023-11-14T22:13:20.291"


def test_the_sequence_number_is_the_stream_records(
    tables: TableBroker, tables_path: Path, declared: Any, clock: Any
) -> None:
    """§3.5.2: dynamodb.SequenceNumber is the stream record's sequence number."""
    result = tables.put_item("users", {"id": s("u1")})
    (stored,) = read_stream_records(tables_path, declared, "users", clock)
    assert json.loads(stored.data)["dynamodb"]["SequenceNumber"] == stored.sequence_number
    assert result.sequence_number == stored.sequence_number


def test_event_ids_are_unique(tables: TableBroker, changes: Any) -> None:
    """§3.3.0: every record has its own eventID."""
    for i in range(20):
        tables.put_item("users", {"id": s(f"u{i}")})
    assert len({record["eventID"] for record in changes()}) == 20


def test_creation_time_is_rounded_down_to_the_second(
    tables: TableBroker, changes: Any, clock: Any
) -> None:
    """§3.3.3: ApproximateCreationDateTime is epoch seconds, whole, as a number."""
    clock.advance(12.875)
    tables.put_item("users", {"id": s("u1")})
    assert changes()[0]["dynamodb"]["ApproximateCreationDateTime"] == 1_700_000_012.0


def test_no_user_identity_on_user_writes(tables: TableBroker, changes: Any) -> None:
    """§3.3.4: userIdentity only marks TTL deletions; a user's delete has none."""
    tables.put_item("users", {"id": s("u1")})
    tables.delete_item("users", {"id": s("u1")})
    assert all("userIdentity" not in record for record in changes())


# -- view types (§3.3.1) ---------------------------------------------------------------

IMAGES_BY_VIEW = {
    # view type: images of (INSERT, MODIFY, REMOVE)
    "KEYS_ONLY": ((), (), ()),
    "NEW_IMAGE": (("NewImage",), ("NewImage",), ()),
    "OLD_IMAGE": ((), ("OldImage",), ("OldImage",)),
    "NEW_AND_OLD_IMAGES": (("NewImage",), ("NewImage", "OldImage"), ("OldImage",)),
}


@pytest.mark.parametrize("view_type", sorted(IMAGES_BY_VIEW))
def test_each_view_type_carries_its_images(make_tables: Any, changes: Any, view_type: str) -> None:
    """§3.3.1: images per view type and event; INSERT has no OldImage, REMOVE no NewImage."""
    tables = make_tables({"users": table_config(view_type=view_type)})
    tables.put_item("users", {"id": s("u1"), "a": s("old")})
    tables.put_item("users", {"id": s("u1"), "a": s("new")})
    tables.delete_item("users", {"id": s("u1")})
    records = changes()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record, expected in zip(records, IMAGES_BY_VIEW[view_type], strict=True):
        images = tuple(k for k in ("NewImage", "OldImage") if k in record["dynamodb"])
        assert images == expected
        assert record["dynamodb"]["Keys"] == {"id": s("u1")}
        assert record["dynamodb"]["StreamViewType"] == view_type


def test_images_are_the_items_before_and_after(tables: TableBroker, changes: Any) -> None:
    """§3.3.1: OldImage is the item before the write, NewImage the item after it."""
    tables.put_item("users", {"id": s("u1"), "a": s("old"), "b": s("kept")})
    tables.update_item("users", {"id": s("u1")}, set={"a": s("new")})
    modify = changes()[1]["dynamodb"]
    assert modify["OldImage"] == {"id": s("u1"), "a": s("old"), "b": s("kept")}
    assert modify["NewImage"] == {"id": s("u1"), "a": s("new"), "b": s("kept")}


def test_size_bytes_counts_keys_and_images(make_tables: Any, changes: Any) -> None:
    """§3.3.3: SizeBytes is Keys plus images; KEYS_ONLY counts the keys alone."""
    tables = make_tables({"users": table_config(view_type="KEYS_ONLY")})
    tables.put_item("users", {"id": s("id_value"), "other": s("long value here")})
    assert changes()[0]["dynamodb"]["SizeBytes"] == len("id") + len("id_value")


def test_a_composite_key_is_in_keys(make_tables: Any, changes: Any) -> None:
    """§3.3: Keys holds the partition and the sort key."""
    config = table_config(sort_key=("at", "N"))
    tables = make_tables({"users": config})
    tables.put_item("users", {"id": s("u1"), "at": {"N": "7"}, "x": s("y")})
    assert changes()[0]["dynamodb"]["Keys"] == {"id": s("u1"), "at": {"N": "7"}}
