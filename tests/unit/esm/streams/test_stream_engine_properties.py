"""Property test of the whole stream engine over fakes: with any mix of failures, partial
responses, bisect, retries and ParallelizationFactor, every record is either processed once
or reported to the destination, and each key's records are processed in order (§4.2, §5.2)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stream_harness import DESTINATION_ARN, data_of, make_stream_harness_factory


@dataclass
class Scenario:
    keys: list[int]
    poison: set[int]
    flaky: list[bool]
    fields: dict[str, Any]
    accepted: list[int] = field(default_factory=list)

    def handler(self, event: dict[str, Any], context: Any) -> Any:
        """Accepts records up to the first failing one; reports or raises the failure."""
        records = event["Records"]
        failing = next(
            (i for i, r in enumerate(records) if int(data_of(r)) in self.poison or self._flaky()),
            None,
        )
        report = "FunctionResponseTypes" in self.fields
        if failing is None:
            self.accepted += [int(data_of(r)) for r in records]
            return None
        if not report:
            raise ValueError("failed")
        self.accepted += [int(data_of(r)) for r in records[:failing]]
        sequence = records[failing]["kinesis"]["sequenceNumber"]
        return {"batchItemFailures": [{"itemIdentifier": sequence}]}

    def _flaky(self) -> bool:
        return self.flaky.pop() if self.flaky else False


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(1, 40))
    fields: dict[str, Any] = {
        "BatchSize": draw(st.integers(1, 6)),
        "ParallelizationFactor": draw(st.integers(1, 3)),
        "BisectBatchOnFunctionError": draw(st.booleans()),
        "MaximumRetryAttempts": draw(st.integers(0, 2)),
        "DestinationConfig": {"OnFailure": {"Destination": DESTINATION_ARN}},
    }
    if draw(st.booleans()):
        fields["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    return Scenario(
        keys=draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)),
        poison=set(draw(st.lists(st.integers(0, n - 1), max_size=3))),
        flaky=draw(st.lists(st.booleans(), max_size=30)),
        fields=fields,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_records_are_processed_once_or_reported_and_keys_stay_in_order(
    scenario: Scenario,
) -> None:
    """§4.2.7, §5.2: nothing is dropped silently, nothing processed twice, order per key."""
    asyncio.run(_check(scenario))


async def _check(scenario: Scenario) -> None:
    harness = make_stream_harness_factory()(scenario.handler, shards=2, **scenario.fields)
    for i, key in enumerate(scenario.keys):
        harness.source.put(str(i), f"key-{key}")
    assert (await harness.drain(step=5.0)).drained
    accepted = scenario.accepted
    assert len(accepted) == len(set(accepted))
    reported = sum(r["KinesisBatchInfo"]["batchSize"] for r in harness.destination.records)
    assert len(accepted) + reported == len(scenario.keys)
    assert not scenario.poison & set(accepted)
    per_key: dict[int, list[int]] = defaultdict(list)
    for record in accepted:
        per_key[scenario.keys[record]].append(record)
    for values in per_key.values():
        assert values == sorted(values)
