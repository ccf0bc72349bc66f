"""The state stores' contract, as pytest classes any backend can run.

To prove a backend (a PostgreSQL one, your own), import the ``Test*`` classes into a test
module and give them a ``make_state`` fixture: a function of a clock returning
:class:`~headrace.state.state_seam.StateStores`, where every call opens *another handle on
the same storage* (another connection, another process's view), so races between holders are
real::

    from headrace.testing.conformance.state_conformance import (
        TestCheckpointStore, TestLeaseStore, TestMappingRegistry, TestStatusStore,
    )

    @pytest.fixture
    def make_state(tmp_path):
        return lambda clock: open_sqlite_state(tmp_path / "state.sqlite3", clock=clock)

Time is a :class:`~headrace.clock.FakeClock` the suite moves; a backend must judge lease
expiry by the clock it is given, never by its own. Handles the suite opens it also closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from headrace.clock import Clock, FakeClock
from headrace.errors import LeaseLost
from headrace.state.state_seam import (
    EngineRecord,
    MappingRecord,
    RetryState,
    StateStores,
)
from headrace.statistics import MappingStatistics

# A function of a clock opening another handle on the storage under test.
StateFactory = Callable[[Clock], StateStores]
# A lease's duration in the tests, in the clock's seconds.
LEASE_SECONDS = 10.0
SHARD = "shardId-000000000000"


class StateSuite:
    """Fixtures shared by the suite's classes: a fake clock and handles closed at the end."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest_asyncio.fixture
    async def open_state(
        self, make_state: StateFactory, clock: FakeClock
    ) -> AsyncIterator[Callable[[], StateStores]]:
        opened: list[StateStores] = []

        def open_handle() -> StateStores:
            opened.append(make_state(clock))
            return opened[-1]

        yield open_handle
        for stores in opened:
            await stores.aclose()

    @pytest.fixture
    def state(self, open_state: Callable[[], StateStores]) -> StateStores:
        return open_state()


@pytest.mark.asyncio
class TestLeaseStore(StateSuite):
    """Shard leases with a fencing counter."""

    async def test_a_free_resource_is_taken_and_then_held(self, state: StateStores) -> None:
        """Take succeeds on a free resource; a second owner is refused while it lives."""
        lease = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert lease is not None
        assert (lease.resource, lease.owner) == (SHARD, "worker-a")
        assert await state.leases.take(SHARD, "worker-b", LEASE_SECONDS) is None
        assert await state.leases.holder(SHARD) == lease

    async def test_an_expired_lease_can_be_taken_with_a_larger_token(
        self, state: StateStores, clock: FakeClock
    ) -> None:
        """Expiry is judged by the injected clock; the new holder's token is larger."""
        first = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert first is not None
        clock.advance(LEASE_SECONDS - 1)
        assert await state.leases.take(SHARD, "worker-b", LEASE_SECONDS) is None
        clock.advance(2)
        assert await state.leases.holder(SHARD) is None
        second = await state.leases.take(SHARD, "worker-b", LEASE_SECONDS)
        assert second is not None
        assert second.token > first.token

    async def test_renew_extends_only_the_current_holders_lease(
        self, state: StateStores, clock: FakeClock
    ) -> None:
        """Renew by the holder with the current token moves expiry; anyone else is refused."""
        lease = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert lease is not None
        clock.advance(LEASE_SECONDS - 1)
        renewed = await state.leases.renew(lease, LEASE_SECONDS)
        assert renewed.token == lease.token
        assert renewed.expires_at == clock.time() + LEASE_SECONDS
        clock.advance(LEASE_SECONDS - 1)
        assert await state.leases.take(SHARD, "worker-b", LEASE_SECONDS) is None
        impostor = type(lease)(SHARD, "worker-b", lease.token, lease.expires_at)
        with pytest.raises(LeaseLost):
            await state.leases.renew(impostor, LEASE_SECONDS)

    async def test_a_stale_token_cannot_renew(self, state: StateStores, clock: FakeClock) -> None:
        """After expiry and a new take, the old holder's renew raises LeaseLost."""
        old = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert old is not None
        clock.advance(LEASE_SECONDS + 1)
        assert await state.leases.take(SHARD, "worker-b", LEASE_SECONDS) is not None
        with pytest.raises(LeaseLost):
            await state.leases.renew(old, LEASE_SECONDS)

    async def test_release_frees_the_resource_and_the_token_still_grows(
        self, state: StateStores
    ) -> None:
        """A released resource is free at once; taking it again gives a larger token."""
        lease = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert lease is not None
        assert await state.leases.release(lease)
        assert await state.leases.holder(SHARD) is None
        assert not await state.leases.release(lease)  # released already: nothing to do
        again = await state.leases.take(SHARD, "worker-b", LEASE_SECONDS)
        assert again is not None
        assert again.token > lease.token

    async def test_steal_takes_a_live_lease_and_bumps_the_token(self, state: StateStores) -> None:
        """Steal (balancing) takes a live lease; the old holder can no longer renew or release."""
        victim = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert victim is not None
        thief = await state.leases.steal(SHARD, "worker-b", LEASE_SECONDS)
        assert thief.token > victim.token
        assert await state.leases.holder(SHARD) == thief
        with pytest.raises(LeaseLost):
            await state.leases.renew(victim, LEASE_SECONDS)
        assert not await state.leases.release(victim)
        assert await state.leases.holder(SHARD) == thief

    async def test_resources_are_leased_independently(self, state: StateStores) -> None:
        """A lease on one shard says nothing about another."""
        assert await state.leases.take("shard-1", "worker-a", LEASE_SECONDS) is not None
        assert await state.leases.take("shard-2", "worker-b", LEASE_SECONDS) is not None

    async def test_two_holders_racing_never_both_win(
        self, open_state: Callable[[], StateStores]
    ) -> None:
        """Two handles (connections, threads) taking the same free leases: one wins each."""
        first, second = open_state(), open_state()
        resources = [f"shard-{n}" for n in range(20)]
        for resource in resources:
            won = await asyncio.gather(
                first.leases.take(resource, "worker-a", LEASE_SECONDS),
                second.leases.take(resource, "worker-b", LEASE_SECONDS),
            )
            winners = [lease for lease in won if lease is not None]
            assert len(winners) == 1, resource
            assert await first.leases.holder(resource) == winners[0]


@pytest.mark.asyncio
class TestCheckpointStore(StateSuite):
    """Stream checkpoints and retry states (§7.3, §5.4, §4.2.4), fenced by leases."""

    async def test_a_mapping_that_never_ran_has_no_checkpoints(self, state: StateStores) -> None:
        """§7.1: without checkpoints the mapping starts at its StartingPosition."""
        loaded = await state.checkpoints.load("uuid-1")
        assert (loaded.started, dict(loaded.positions), dict(loaded.retrying)) == (
            False,
            {},
            {},
        )

    async def test_positions_and_retry_states_round_trip(self, state: StateStores) -> None:
        """§7.4, §4.2.4: saved positions and retry states load back; later saves win."""
        retry = RetryState("49008", "49010", 2, 1, "req-2")
        await state.checkpoints.save(
            "uuid-1", {SHARD: "49001", "s2": "SHARD_END"}, {SHARD: (retry,)}
        )
        await state.checkpoints.save("uuid-1", {SHARD: "49007"})
        loaded = await state.checkpoints.load("uuid-1")
        assert loaded.started
        assert dict(loaded.positions) == {SHARD: "49007", "s2": "SHARD_END"}
        assert dict(loaded.retrying) == {SHARD: (retry,)}
        await state.checkpoints.save("uuid-1", {}, {SHARD: ()})
        assert dict((await state.checkpoints.load("uuid-1")).retrying) == {}

    async def test_mappings_keep_separate_checkpoints(self, state: StateStores) -> None:
        """§5.4: checkpoints are keyed by mapping UUID and shard."""
        await state.checkpoints.save("uuid-1", {SHARD: "1"})
        await state.checkpoints.save("uuid-2", {SHARD: "2"})
        assert dict((await state.checkpoints.load("uuid-1")).positions) == {SHARD: "1"}
        assert dict((await state.checkpoints.load("uuid-2")).positions) == {SHARD: "2"}

    async def test_a_save_with_the_current_lease_is_stored(self, state: StateStores) -> None:
        """A holder's fenced save commits."""
        lease = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert lease is not None
        await state.checkpoints.save("uuid-1", {SHARD: "5"}, lease=lease)
        assert dict((await state.checkpoints.load("uuid-1")).positions) == {SHARD: "5"}

    async def test_a_stale_holder_can_never_commit(
        self, state: StateStores, clock: FakeClock
    ) -> None:
        """A save carrying a superseded token raises LeaseLost and stores nothing of it."""
        old = await state.leases.take(SHARD, "worker-a", LEASE_SECONDS)
        assert old is not None
        clock.advance(LEASE_SECONDS + 1)
        new = await state.leases.take(SHARD, "worker-b", LEASE_SECONDS)
        assert new is not None
        await state.checkpoints.save("uuid-1", {SHARD: "10"}, lease=new)
        stale_retry = {SHARD: (RetryState("1", "2", 1, 1),)}
        with pytest.raises(LeaseLost):
            await state.checkpoints.save("uuid-1", {SHARD: "3"}, stale_retry, lease=old)
        loaded = await state.checkpoints.load("uuid-1")
        assert (dict(loaded.positions), dict(loaded.retrying)) == ({SHARD: "10"}, {})

    async def test_a_stolen_or_released_lease_fences_its_old_holder(
        self, state: StateStores
    ) -> None:
        """After a steal or a release, the previous lease can no longer save."""
        stolen = await state.leases.take("s1", "worker-a", LEASE_SECONDS)
        released = await state.leases.take("s2", "worker-a", LEASE_SECONDS)
        assert stolen is not None
        assert released is not None
        await state.leases.steal("s1", "worker-b", LEASE_SECONDS)
        await state.leases.release(released)
        for lease in (stolen, released):
            with pytest.raises(LeaseLost):
                await state.checkpoints.save("uuid-1", {lease.resource: "9"}, lease=lease)
        assert not (await state.checkpoints.load("uuid-1")).started


@pytest.mark.asyncio
class TestMappingRegistry(StateSuite):
    """Mappings made at run time, as AWS describes them."""

    async def test_a_mapping_round_trips(self, state: StateStores) -> None:
        """put, get, list and delete keep the AWS dict, state and LastModified."""
        config = {
            "UUID": "uuid-1",
            "FunctionName": "fn",
            "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:orders",
            "BatchSize": 10,
            "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]},
        }
        record = MappingRecord("uuid-1", config, "Creating", 1_700_000_000.5)
        other = MappingRecord("uuid-0", {"UUID": "uuid-0"}, "Disabled", 1.0)
        await state.mappings.put(record)
        await state.mappings.put(other)
        assert await state.mappings.get("uuid-1") == record
        assert await state.mappings.list() == (other, record)
        updated = MappingRecord("uuid-1", config, "Enabled", 1_700_000_001.0)
        await state.mappings.put(updated)
        assert await state.mappings.get("uuid-1") == updated
        assert await state.mappings.delete("uuid-1")
        assert not await state.mappings.delete("uuid-1")
        assert await state.mappings.get("uuid-1") is None
        assert await state.mappings.list() == (other,)

    async def test_another_handle_sees_the_registry(
        self, open_state: Callable[[], StateStores]
    ) -> None:
        """What one handle puts, another reads (the registry is shared storage)."""
        first, second = open_state(), open_state()
        record = MappingRecord("uuid-1", {"UUID": "uuid-1"}, "Enabled", 2.0)
        await first.mappings.put(record)
        assert await second.mappings.get("uuid-1") == record


@pytest.mark.asyncio
class TestStatusStore(StateSuite):
    """A running engine's published statistics for `headrace status`."""

    async def test_published_status_reads_back_and_clears(self, state: StateStores) -> None:
        """publish then read gives the engine and its snapshots; clear_engine forgets it."""
        engine = EngineRecord(pid=42, started_at=1.0, heartbeat_at=2.0, port=4566)
        stats = _statistics("uuid-1", batches=3)
        await state.status.publish(engine, [stats])
        assert await state.status.read() == (engine, [stats])
        await state.status.clear_engine(41)  # another pid: kept
        assert (await state.status.read())[0] == engine
        await state.status.clear_engine(42)
        assert await state.status.read() == (None, [stats])


def _statistics(uuid: str, *, batches: int) -> MappingStatistics:
    return MappingStatistics(
        uuid=uuid,
        function_name="fn",
        event_source_arn="arn:aws:kinesis:us-east-1:000000000000:stream/clicks",
        state="Enabled",
        state_transition_reason="USER_INITIATED",
        last_processing_result="OK",
        in_flight_batches=0,
        concurrency=1,
        polled=batches,
        filtered_out=0,
        invoked=batches,
        failed_invoke=0,
        deleted=batches,
        invocations=batches,
        errors=0,
        batches=batches,
    )
