"""A stream mapping filters a producer's hostile record in linear time, off the loop (§6)."""

from __future__ import annotations

import json
from typing import Any

from stream_harness import MakeStreamHarness

# Kinesis data can be far larger; 256 KB already stalled the backtracking matcher for hours.
HOSTILE_BYTES = 256 * 1024


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_a_hostile_record_is_filtered_out_and_the_shard_moves_on(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§6.6: a 256 KB near miss of a wildcard is dropped; the record after it is delivered."""
    pattern = json.dumps({"data": {"k": [{"wildcard": "*a*a*a*a*a*b"}]}})
    harness = make_stream_harness(ok, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    harness.put(json.dumps({"k": "a" * HOSTILE_BYTES}), json.dumps({"k": "aaaaab"}))
    await harness.drain()
    assert harness.delivered() == [json.dumps({"k": "aaaaab"})]
    assert harness.mapping.statistics().filtered_out == 1
