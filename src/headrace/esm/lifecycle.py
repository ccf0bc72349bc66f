"""Mapping states as AWS names them (§1.4), with the one method that moves between them."""

from __future__ import annotations

import enum
from collections.abc import Callable

from headrace.errors import ResourceInUseException


class MappingState(enum.Enum):
    """``State`` of an event source mapping (§1.4.1)."""

    CREATING = "Creating"
    ENABLING = "Enabling"
    ENABLED = "Enabled"
    DISABLING = "Disabling"
    DISABLED = "Disabled"
    UPDATING = "Updating"
    DELETING = "Deleting"


# Which states each state may move to. Transitional states settle into a resting one;
# resting states start a transition (§1.4.2-1.4.7).
_ALLOWED: dict[MappingState, frozenset[MappingState]] = {
    MappingState.CREATING: frozenset({MappingState.ENABLED, MappingState.DISABLED}),
    MappingState.ENABLING: frozenset({MappingState.ENABLED, MappingState.DISABLING}),
    MappingState.ENABLED: frozenset(
        {MappingState.DISABLING, MappingState.UPDATING, MappingState.DELETING}
    ),
    MappingState.DISABLING: frozenset({MappingState.DISABLED, MappingState.ENABLING}),
    MappingState.DISABLED: frozenset(
        {MappingState.ENABLING, MappingState.UPDATING, MappingState.DELETING}
    ),
    MappingState.UPDATING: frozenset({MappingState.ENABLED, MappingState.DISABLED}),
    MappingState.DELETING: frozenset(),
}

# §1.4.8: AWS's documented wording for an operation that conflicts with a transition.
RESOURCE_IN_USE_MESSAGE = (
    "The operation conflicts with the resource's availability. For example, you tried to "
    "update an event source mapping in the CREATING state, or you tried to delete an event "
    "source mapping currently UPDATING."
)


# Told of every move: the new state and the reason (the engine's hooks listen).
StateListener = Callable[[MappingState, str], None]


class Lifecycle:
    """The state of one mapping, why it last changed and when a user last changed it.

    One lifecycle lives as long as the mapping does: the engine keeps it across the
    rebuilds an update or a disable makes, so the states run in AWS's order (§1.4).
    """

    def __init__(self, last_modified: float = 0.0) -> None:
        self.state = MappingState.CREATING
        # §1.3.4: the SQS spelling; stream mappings say "User action".
        self.reason = "USER_INITIATED"
        # §1.3: LastModified, seconds since the epoch of the last create or update.
        self.last_modified = last_modified
        self.listeners: list[StateListener] = []

    def move(self, target: MappingState, reason: str | None = None) -> None:
        """Move to ``target``; raise ResourceInUseException if the move is not allowed."""
        if target not in _ALLOWED[self.state]:
            raise ResourceInUseException(RESOURCE_IN_USE_MESSAGE)
        self.state = target
        if reason is not None:
            self.reason = reason
        for listener in self.listeners:
            listener(target, self.reason)

    def settle(self, target: MappingState, reason: str | None = None) -> None:
        """Come to rest in ``target`` (Enabled or Disabled) unless already there.

        A mapping calls this as it starts: from Creating, Enabling, Disabling or Updating
        it settles into the resting state its config asks for (§1.4.2-1.4.6).
        """
        if self.state is not target:
            self.move(target, reason)

    @property
    def polling(self) -> bool:
        """Whether the mapping reads its source in this state."""
        return self.state in (MappingState.ENABLED, MappingState.UPDATING)
