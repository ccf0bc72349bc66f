"""Scaling of queue mappings (§5.6-5.9), driven by a fake clock."""

from __future__ import annotations

from headrace.clock import FakeClock
from headrace.esm.queues.scaling import QueueScaler, ScalingPolicy


def test_starts_with_five_concurrent_batches() -> None:
    """§5.6: a queue mapping starts with five concurrent batches."""
    assert QueueScaler(ScalingPolicy(), FakeClock()).target == 5


def test_grows_by_at_most_300_per_minute_while_messages_remain() -> None:
    """§5.6: up to 300 more concurrent invokes per minute while messages remain."""
    clock = FakeClock()
    scaler = QueueScaler(ScalingPolicy(), clock)
    clock.advance(1.0)
    assert scaler.on_backlog() == 10
    clock.advance(60.0)
    assert scaler.on_backlog() == 310


def test_does_not_grow_without_elapsed_time() -> None:
    """§5.6: growth is a rate; a burst of full receives at one instant adds nothing."""
    scaler = QueueScaler(ScalingPolicy(), FakeClock())
    for _ in range(100):
        scaler.on_backlog()
    assert scaler.target == 5


def test_maximum_concurrency_is_a_hard_cap() -> None:
    """§5.8: ScalingConfig.MaximumConcurrency caps concurrent batches."""
    clock = FakeClock()
    scaler = QueueScaler(ScalingPolicy(maximum=7), clock)
    clock.advance(3600)
    assert scaler.on_backlog() == 7


def test_cap_below_initial_starts_at_cap() -> None:
    """§5.7: never above the function's reserved concurrency, even at the start."""
    assert QueueScaler(ScalingPolicy(maximum=2), FakeClock()).target == 2


def test_ceiling_defaults_to_1250() -> None:
    """§5.6 CONFLICT: the default ceiling is the newest text's 1,250."""
    clock = FakeClock()
    scaler = QueueScaler(ScalingPolicy(), clock)
    clock.advance(3600)
    assert scaler.on_backlog() == 1250


def test_idle_scales_back_to_five() -> None:
    """§5.6: when traffic is low the mapping scales back to five."""
    clock = FakeClock()
    scaler = QueueScaler(ScalingPolicy(), clock)
    clock.advance(10)
    scaler.on_backlog()
    assert scaler.on_idle() == 5


def test_function_error_backs_off_by_one() -> None:
    """§4.1.3: function errors gradually reduce the mapping's concurrency."""
    scaler = QueueScaler(ScalingPolicy(), FakeClock())
    assert scaler.on_function_error() == 4
    for _ in range(10):
        scaler.on_function_error()
    assert scaler.target == 1


def test_growth_at_cap_keeps_rate_from_accumulating() -> None:
    """§5.6: time spent at the cap does not bank growth for later."""
    clock = FakeClock()
    scaler = QueueScaler(ScalingPolicy(maximum=5), clock)
    clock.advance(0.5)
    scaler.on_backlog()
    assert scaler.target == 5
