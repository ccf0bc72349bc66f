"""Query and Scan on the SQLite TableBroker: key conditions, sort order, filters,
projections, Select COUNT, Limit, ExclusiveStartKey/LastEvaluatedKey and the 1 MB page."""

from __future__ import annotations

from typing import Any

import pytest
from tables_helpers import TablesFactory, n, s, table_config

from headrace.broker.tables import TableBroker
from headrace.broker.tables.expressions import parse_expressions
from headrace.broker.tables.table_reads import ReadOptions
from headrace.broker.tables.table_results import ReadPage
from headrace.errors import ValidationException


@pytest.fixture
def events(make_tables: TablesFactory) -> TableBroker:
    """``events`` (pk: S, sk: N) holding a/1..a/12 (inserted out of order) and b/1."""
    broker = make_tables({"events": table_config("events", key="pk", sort_key=("sk", "N"))})
    for number in (10, 2, 1, 12, 3, 4, 5, 6, 7, 8, 9, 11):
        broker.put_item(
            "events", {"pk": s("a"), "sk": n(str(number)), "odd": {"BOOL": number % 2 == 1}}
        )
    broker.put_item("events", {"pk": s("b"), "sk": n("1")})
    return broker


def query(
    broker: TableBroker,
    key: str,
    filter: str | None = None,
    projection: str | None = None,
    table: str = "events",
    **kwargs: Any,
) -> ReadPage:
    values = kwargs.pop("values", {})
    parsed = parse_expressions(
        key_condition=key, filter=filter, projection=projection, values=values or None
    )
    assert parsed.key_condition is not None
    forward = kwargs.pop("forward", True)
    options = ReadOptions(filter=parsed.filter, projection=parsed.projection, **kwargs)
    return broker.query(table, parsed.key_condition, options, forward=forward)


def sort_keys(page: ReadPage) -> list[str]:
    return [item["sk"]["N"] for item in page.items]


def test_query_reads_one_partition_in_numeric_order(events: TableBroker) -> None:
    """Query returns the partition's items by sort key, numbers numerically; ScanIndexForward
    false reverses them; other partitions are not read."""
    forward = query(events, "pk = :a", values={":a": s("a")})
    backward = query(events, "pk = :a", values={":a": s("a")}, forward=False)
    assert sort_keys(forward) == [str(i) for i in range(1, 13)]
    assert sort_keys(backward) == [str(i) for i in range(12, 0, -1)]
    assert (forward.count, forward.scanned_count, forward.last_evaluated_key) == (12, 12, None)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("pk = :a AND sk < :three", ["1", "2"]),
        ("pk = :a AND sk >= :eleven", ["11", "12"]),
        ("pk = :a AND sk BETWEEN :three AND :five", ["3", "4", "5"]),
        ("sk = :three AND pk = :a", ["3"]),
    ],
)
def test_sort_key_conditions(events: TableBroker, condition: str, expected: list[str]) -> None:
    """The sort key may be tested with = < <= > >= or BETWEEN, on either side of AND."""
    values = {":a": s("a"), ":three": n("3"), ":five": n("5"), ":eleven": n("11")}
    used = {k: v for k, v in values.items() if k in condition}
    assert sort_keys(query(events, condition, values=used)) == expected


def test_string_sort_keys_order_by_utf8_bytes_and_begins_with(make_tables: TablesFactory) -> None:
    """String sort keys sort by UTF-8 bytes ("Z" < "a" < "é"); begins_with selects a prefix."""
    broker = make_tables({"notes": table_config("notes", key="pk", sort_key=("sk", "S"))})
    for key in ("é", "a", "Z", "ab", "b"):
        broker.put_item("notes", {"pk": s("p"), "sk": s(key)})
    page = query(broker, "pk = :p", table="notes", values={":p": s("p")})
    assert [i["sk"]["S"] for i in page.items] == ["Z", "a", "ab", "b", "é"]
    prefixed = query(
        broker,
        "pk = :p AND begins_with(sk, :a)",
        table="notes",
        values={":p": s("p"), ":a": s("a")},
    )
    assert [i["sk"]["S"] for i in prefixed.items] == ["a", "ab"]


def test_limit_pages_with_last_evaluated_key(events: TableBroker) -> None:
    """Limit caps the items read; LastEvaluatedKey starts the next page, and is given even
    when the page ends exactly at the last item (DynamoDB does not look ahead)."""
    seen: list[str] = []
    start = None
    pages = 0
    while True:
        page = query(events, "pk = :a", values={":a": s("a")}, limit=4, start_key=start)
        pages += 1
        seen += sort_keys(page)
        start = page.last_evaluated_key
        if start is None:
            break
    assert seen == [str(i) for i in range(1, 13)]
    assert pages == 4  # three full pages, then an empty one


def test_filter_counts_and_projection(events: TableBroker) -> None:
    """FilterExpression runs after the read: Count is what passed, ScannedCount what was
    read; ProjectionExpression keeps only the named attributes."""
    page = query(
        events,
        "pk = :a",
        filter="odd = :t",
        projection="sk",
        values={":a": s("a"), ":t": {"BOOL": True}},
        limit=5,
    )
    assert (page.count, page.scanned_count) == (3, 5)
    assert list(page.items) == [{"sk": n("1")}, {"sk": n("3")}, {"sk": n("5")}]


def test_select_count_returns_no_items(events: TableBroker) -> None:
    """Select COUNT gives Count and ScannedCount, no Items."""
    page = query(events, "pk = :a", values={":a": s("a")}, select="COUNT")
    assert page.to_aws() == {"Count": 12, "ScannedCount": 12}


def test_a_page_stops_at_1_mb(make_tables: TablesFactory) -> None:
    """A page ends once the items read reach 1 MB (the item reaching it included)."""
    broker = make_tables({"big": table_config("big", key="pk", sort_key=("sk", "N"))})
    for number in range(15):
        broker.put_item("big", {"pk": s("p"), "sk": n(str(number)), "d": s("x" * 100 * 1024)})
    page = query(broker, "pk = :p", table="big", values={":p": s("p")}, select="COUNT")
    assert page.scanned_count == 11  # 10 items are 1,024,xxx bytes; the 11th passes 1 MiB
    assert page.last_evaluated_key == {"pk": s("p"), "sk": n("10")}


@pytest.mark.parametrize(
    ("condition", "values", "message"),
    [
        ("sk = :one", {":one": n("1")}, "Query condition missed key schema element: pk"),
        (
            "pk = :a OR sk = :one",
            {":a": s("a"), ":one": n("1")},
            "Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            "pk = :one",
            {":one": n("1")},
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type",
        ),
        ("pk < :a", {":a": s("a")}, "Query key condition not supported"),
        (
            "pk = :a AND odd = :one",
            {":a": s("a"), ":one": n("1")},
            "Query key condition not supported",
        ),
    ],
)
def test_key_condition_errors(
    events: TableBroker, condition: str, values: dict[str, Any], message: str
) -> None:
    """A KeyConditionExpression must test the partition key with = and at most the sort key
    besides, with values of the key's type."""
    with pytest.raises(ValidationException) as raised:
        query(events, condition, values=values)
    assert raised.value.message == message


def test_filter_on_a_key_attribute_is_refused(events: TableBroker) -> None:
    """A Query's FilterExpression may not test a key attribute."""
    with pytest.raises(ValidationException, match="Primary key attribute: sk"):
        query(events, "pk = :a", filter="sk > :one", values={":a": s("a"), ":one": n("1")})


def test_start_key_of_another_partition_is_refused(events: TableBroker) -> None:
    """ExclusiveStartKey must be in the queried partition and match the key schema."""
    with pytest.raises(ValidationException, match="outside query boundaries"):
        query(events, "pk = :a", values={":a": s("a")}, start_key={"pk": s("b"), "sk": n("1")})
    with pytest.raises(ValidationException, match="The provided starting key is invalid"):
        query(events, "pk = :a", values={":a": s("a")}, start_key={"pk": s("a")})


def test_query_on_a_hash_only_table(tables: TableBroker) -> None:
    """On a table without a sort key, a Query reads the one item of its key, if any."""
    tables.put_item("users", {"id": s("u1")})
    assert query(tables, "id = :u", table="users", values={":u": s("u1")}).count == 1
    assert query(tables, "id = :u", table="users", values={":u": s("u2")}).count == 0


def test_scan_pages_through_every_item_with_a_filter(events: TableBroker) -> None:
    """Scan reads every partition; Limit and ExclusiveStartKey page through them all once;
    the filter counts as in Query."""
    found: list[dict[str, Any]] = []
    scanned = 0
    start = None
    parsed = parse_expressions(filter="odd = :t", values={":t": {"BOOL": True}})
    while True:
        page = events.scan("events", ReadOptions(filter=parsed.filter, limit=5, start_key=start))
        found += page.items
        scanned += page.scanned_count
        start = page.last_evaluated_key
        if start is None:
            break
    assert scanned == 13
    assert sorted(int(i["sk"]["N"]) for i in found) == [1, 3, 5, 7, 9, 11]


def test_read_options_are_checked(events: TableBroker) -> None:
    """Limit must be at least 1; Select must be one of DynamoDB's values."""
    with pytest.raises(ValidationException, match="at 'limit' failed to satisfy"):
        events.scan("events", ReadOptions(limit=0))
    with pytest.raises(ValidationException, match="at 'select' failed to satisfy"):
        events.scan("events", ReadOptions(select="SOME"))
