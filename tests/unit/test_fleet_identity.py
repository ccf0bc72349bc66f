"""Process identities and lease names of a fleet (issue 11)."""

from __future__ import annotations

from headrace.fleet_identity import (
    ProcessIdentity,
    parse_shard_resource,
    process_resource,
    shard_resource,
    slot_resource,
)


def test_owner_parses_back_to_the_same_identity() -> None:
    identity = ProcessIdentity("box-1", 4242, 1_700_000_000.123, "abc123")
    assert ProcessIdentity.parse(identity.owner) == identity


def test_a_host_with_the_separator_still_parses() -> None:
    identity = ProcessIdentity("odd|host", 7, 12.5, "n")
    parsed = ProcessIdentity.parse(identity.owner)
    assert parsed is not None
    assert (parsed.host, parsed.pid) == ("odd_host", 7)


def test_two_runs_of_one_pid_are_two_owners() -> None:
    first, second = ProcessIdentity.current(1.0), ProcessIdentity.current(1.0)
    assert first.pid == second.pid
    assert first.owner != second.owner


def test_strings_that_are_not_owners_parse_to_none() -> None:
    for text in ("", "a|b|c|d", "host|1|x|n", "host|1|2"):
        assert ProcessIdentity.parse(text) is None


def test_shard_resources_round_trip_and_prefixes_differ() -> None:
    name = shard_resource("0f3e-uuid", "shardId-000000000001")
    assert parse_shard_resource(name) == ("0f3e-uuid", "shardId-000000000001")
    assert parse_shard_resource("slot/x/1") is None
    assert parse_shard_resource("shard/only-uuid") is None
    identity = ProcessIdentity("h", 1, 0.0, "n")
    assert process_resource(identity).startswith("process/")
    assert slot_resource("function/f", 3) == "slot/function/f/3"
