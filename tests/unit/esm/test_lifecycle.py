"""Mapping states and their transitions (§1.4)."""

from __future__ import annotations

import pytest

from headrace.errors import ResourceInUseException
from headrace.esm.lifecycle import Lifecycle, MappingState


def test_a_new_mapping_is_creating() -> None:
    """§1.4.2: a new mapping starts in Creating."""
    assert Lifecycle().state is MappingState.CREATING


def test_creating_settles_in_enabled_or_disabled() -> None:
    """§1.4.2-1.4.3: Creating becomes Enabled, or Disabled when created disabled."""
    for target in (MappingState.ENABLED, MappingState.DISABLED):
        lifecycle = Lifecycle()
        lifecycle.move(target)
        assert lifecycle.state is target


def test_update_while_creating_is_resource_in_use() -> None:
    """§1.4.8: an update while Creating is ResourceInUseException."""
    with pytest.raises(ResourceInUseException):
        Lifecycle().move(MappingState.UPDATING)


def test_disable_and_enable_pass_through_transitional_states() -> None:
    """§1.4.4-1.4.5: Disabling then Disabled; Enabling then Enabled."""
    lifecycle = Lifecycle()
    for state in (
        MappingState.ENABLED,
        MappingState.DISABLING,
        MappingState.DISABLED,
        MappingState.ENABLING,
        MappingState.ENABLED,
    ):
        lifecycle.move(state, reason="User action")
    assert lifecycle.state is MappingState.ENABLED
    assert lifecycle.reason == "User action"


def test_deleting_is_final() -> None:
    """§1.4.7: a Deleting mapping moves nowhere."""
    lifecycle = Lifecycle()
    lifecycle.move(MappingState.ENABLED)
    lifecycle.move(MappingState.DELETING)
    with pytest.raises(ResourceInUseException):
        lifecycle.move(MappingState.ENABLED)
    assert not lifecycle.polling


def test_polling_only_while_enabled_or_updating() -> None:
    """§1.4: only an Enabled (or Updating) mapping reads its source."""
    lifecycle = Lifecycle()
    assert not lifecycle.polling
    lifecycle.move(MappingState.ENABLED)
    assert lifecycle.polling
