"""Tables made by CreateTable: kept in the file until DeleteTable, read without the broker."""

from __future__ import annotations

from pathlib import Path

import pytest
from tables_helpers import ACCOUNT, REGION, table_config

from headrace.broker.tables import TableBroker
from headrace.broker.tables.created_tables import read_created_tables
from headrace.clock import FakeClock
from headrace.config.resources import TableConfig
from headrace.errors import ResourceInUseException, ResourceNotFoundException


def open_broker(
    path: Path, clock: FakeClock, declared: dict[str, TableConfig] | None = None
) -> TableBroker:
    return TableBroker(path, declared or {}, region=REGION, account=ACCOUNT, clock=clock)


def test_a_created_table_is_declared_again_until_deleted(tmp_path: Path) -> None:
    """A created table comes back, items and stream ARN unchanged, in every broker opened
    on the file later, and is read by read_created_tables; after DeleteTable neither
    sees it."""
    path, clock = tmp_path / "streams.sqlite3", FakeClock()
    assert read_created_tables(path) == {}
    first = open_broker(path, clock)
    config = table_config("orders", view_type="NEW_IMAGE")
    created = first.create_table(config)
    first.put_item("orders", {"id": {"S": "o1"}})
    first.close()
    assert read_created_tables(path) == {"orders": config}
    again = open_broker(path, clock)
    assert again.describe_table("orders").latest_stream_arn == created.latest_stream_arn
    assert again.get_item("orders", {"id": {"S": "o1"}}) == {"id": {"S": "o1"}}
    with pytest.raises(ResourceInUseException):
        again.create_table(config)
    again.delete_table("orders")
    again.close()
    assert read_created_tables(path) == {}
    last = open_broker(path, clock)
    with pytest.raises(ResourceNotFoundException):
        last.describe_table("orders")
    last.close()


def test_the_files_table_wins_a_name_clash(tmp_path: Path) -> None:
    """A name both created and declared by the file is the file's table; deleting a file
    table lasts until the next open, which declares it again."""
    path, clock = tmp_path / "streams.sqlite3", FakeClock()
    broker = open_broker(path, clock)
    broker.create_table(table_config("orders", view_type="NEW_IMAGE"))
    broker.close()
    declared = {"orders": table_config("orders", view_type=None)}
    broker = open_broker(path, clock, declared)
    assert broker.describe_table("orders").latest_stream_arn is None
    broker.delete_table("orders")
    assert broker.table_names == []
    broker.close()
    broker = open_broker(path, clock, declared)
    assert broker.table_names == ["orders"]
    broker.close()
