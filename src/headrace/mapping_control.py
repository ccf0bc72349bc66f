"""The event source mapping control plane of a run: CreateEventSourceMapping and the rest,
checked as the file's mappings are, carried out by the engine, and kept in the mapping
registry.

Where a mapping lives:

- The file's mappings are the engine's first creates, with the same UUID at every start. An
  API change to one (deletion included) lasts until the next start: the file wins, so such
  changes are not stored, and a stored record with a file mapping's UUID is forgotten.
- A mapping made through the API is stored on create and on every update, forgotten on
  delete, and created again at the next start (:meth:`MappingControl.restore`).

Every request is checked by :func:`~headrace.config.validate_mappings.check_request`
against the run's resources and the mappings that exist (§1.6); one lock orders the
requests that check-then-act, so two creates of one function and source cannot both pass
the duplicate check (§1.6.15).
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from headrace.config.model import Config, EventSourceMappingConfig
from headrace.config.validate_mappings import check_request
from headrace.errors import AwsError, ResourceConflictException
from headrace.esm.engine import Engine, MappingDescription
from headrace.esm.live import MUTABLE_FIELDS
from headrace.state.state_seam import MappingRecord as StoredMapping
from headrace.state.state_seam import MappingRegistry

log = logging.getLogger("headrace")


class MappingControl:
    """Create, update, delete, get and list mappings of one running engine."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        registry: MappingRegistry,
        *,
        resources: Callable[[], Awaitable[Config]] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.registry = registry
        self._resources = resources
        self._from_file = frozenset(m.uuid for m in config.event_source_mappings)
        self._lock = asyncio.Lock()

    async def resources(self) -> Config:
        """What requests are checked against: the file's resources and those made through
        the endpoint (:meth:`headrace.mapping_sources.MappingSources.resources`)."""
        return self.config if self._resources is None else await self._resources()

    async def restore(self) -> None:
        """Create again every mapping made through the API before (after the file's).

        One that duplicates a file mapping (§1.6.15) is forgotten: the file wins. One that
        cannot be made any more (its function or queue left the file) is logged and kept
        stored, so it comes back once the file has what it needs.
        """
        for stored in await self.registry.list():
            if stored.uuid in self._from_file:
                await self.registry.delete(stored.uuid)  # the file wins at every start
                continue
            try:
                config = check_request(await self.resources(), stored.config, self._configs())
                await self.engine.create(config)
            except ResourceConflictException:
                # The file's mapping of the same function and source is back: it wins.
                await self.registry.delete(stored.uuid)
            except AwsError as error:
                log.warning("mapping %s not restored: %s: %s", stored.uuid, error.code, error)

    async def create(self, fields: Mapping[str, Any]) -> MappingDescription:
        """CreateEventSourceMapping: a new mapping with a fresh UUID, Creating (§1.4.2) or
        Disabled (§1.4.3)."""
        async with self._lock:
            data = {**fields, "UUID": str(uuidlib.uuid4())}
            config = check_request(await self.resources(), data, self._configs())
            described = await self.engine.create(config)
            await self._keep(described)
            return described

    async def update(self, uuid: str, changes: Mapping[str, Any]) -> MappingDescription:
        """UpdateEventSourceMapping: the mapping with ``changes`` checked whole (§1.6.7
        holds on update too); fields headrace accepts and ignores (KMSKeyArn) change
        nothing."""
        async with self._lock:
            current = self.engine.get(uuid)
            merged = {**current.config.to_aws(), **changes}
            checked = check_request(await self.resources(), merged, self._configs()).to_aws()
            # A cleared FilterCriteria, ScalingConfig or MetricsConfig is absent from
            # to_aws(); an empty one clears it in the engine too.
            wanted = {key: checked.get(key, {}) for key in changes if key in MUTABLE_FIELDS}
            described = self.engine.update(uuid, wanted)
            await self._keep(described)
            return described

    async def delete(self, uuid: str) -> MappingDescription:
        """DeleteEventSourceMapping: Deleting now, gone once in-flight batches finish."""
        async with self._lock:
            described = self.engine.delete(uuid)
            if uuid not in self._from_file:
                await self.registry.delete(uuid)
            return described

    def get(self, uuid: str) -> MappingDescription:
        return self.engine.get(uuid)

    def list(self) -> list[MappingDescription]:
        return self.engine.list()

    def _configs(self) -> builtins.list[EventSourceMappingConfig]:
        return [described.config for described in self.engine.list()]

    async def _keep(self, described: MappingDescription) -> None:
        if described.uuid in self._from_file:
            return  # an API change to a file mapping lasts until the next start
        stored = StoredMapping(
            described.uuid,
            described.config.to_aws(),
            described.state.value,
            described.last_modified,
        )
        await self.registry.put(stored)
