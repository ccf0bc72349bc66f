"""Lambda on the endpoint: the event source mapping control plane (§1), Invoke, and
GetFunction / ListFunctions of the declared functions.

The mapping operations are the run's :class:`~headrace.mapping_control.MappingControl`
(checks of §1.6, the engine's states of §1.4, the mapping registry); this module only
turns its descriptions into ``EventSourceMappingConfiguration`` and pages lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from headrace import arn as arnlib
from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.api.aws.lambda_functions import (
    function_configuration,
    get_function,
    resolve_function,
)
from headrace.api.aws.lambda_invoke import Invoker
from headrace.config.problems import validation_message
from headrace.config.validate_links import function_name
from headrace.errors import AwsError, InvalidParameterValueException, ValidationException
from headrace.esm.live import MappingDescription
from headrace.mapping_control import MappingControl

if TYPE_CHECKING:
    from headrace.app import App

# §1.1.5: at most 100 mappings a page, whatever MaxItems asks; ListFunctions: 50.
MAPPINGS_PAGE = 100
FUNCTIONS_PAGE = 50
# MaxItems' range in the model (MaxListItems).
MAX_ITEMS = 10000
# The fields of a mapping's description that EventSourceMappingConfiguration does not have.
NOT_SHOWN = ("FunctionName", "Enabled")
T = TypeVar("T")


class ServiceException(AwsError):
    code = "ServiceException"
    http_status = 500


def serve(app: App) -> LambdaService:
    return LambdaService(app)


class LambdaService(AwsService):
    """Lambda's operations over one running App."""

    service_name = "lambda"

    def __init__(self, app: App) -> None:
        self.app = app
        self.config = app.config
        self.invoker = Invoker(app.config, app._runtime, app.background)

    @property
    def control(self) -> MappingControl:
        if self.app.control is None:
            raise ServiceException("The run is starting: its mappings are not ready yet.")
        return self.app.control

    # -- event source mappings (§1) -------------------------------------------------------

    async def create_event_source_mapping(self, call: AwsCall) -> dict[str, Any]:
        return self._configuration(await self.control.create(call.params))

    async def get_event_source_mapping(self, call: AwsCall) -> dict[str, Any]:
        return self._configuration(self.control.get(call.params["UUID"]))

    async def update_event_source_mapping(self, call: AwsCall) -> dict[str, Any]:
        changes = dict(call.params)
        uuid = changes.pop("UUID")
        return self._configuration(await self.control.update(uuid, changes))

    async def delete_event_source_mapping(self, call: AwsCall) -> dict[str, Any]:
        return self._configuration(await self.control.delete(call.params["UUID"]))

    async def list_event_source_mappings(self, call: AwsCall) -> dict[str, Any]:
        """§1.1.5-1.1.6: filtered by source and function (neither need exist), paged."""
        params = call.params
        source = params.get("EventSourceArn")
        wanted = params.get("FunctionName")
        name = function_name(wanted, self.config) if wanted else None
        found = [
            described
            for described in self.control.list()
            if (source is None or described.config.event_source_arn == source)
            and (wanted is None or described.config.function_name == name)
        ]
        page, marker = _page(found, params, MAPPINGS_PAGE)
        out: dict[str, Any] = {"EventSourceMappings": [self._configuration(d) for d in page]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    def _configuration(self, described: MappingDescription) -> dict[str, Any]:
        """EventSourceMappingConfiguration (§1.3) of one mapping."""
        out = {k: v for k, v in described.to_aws().items() if k not in NOT_SHOWN}
        region, account = self.config.region, self.config.account
        out["FunctionArn"] = arnlib.lambda_function(region, account, described.config.function_name)
        out["EventSourceMappingArn"] = arnlib.event_source_mapping(region, account, described.uuid)
        return out

    # -- functions --------------------------------------------------------------------------

    async def invoke(self, call: AwsCall) -> dict[str, Any]:
        return await self.invoker.invoke(call)

    async def get_function(self, call: AwsCall) -> dict[str, Any]:
        params = call.params
        function = resolve_function(self.config, params["FunctionName"], params.get("Qualifier"))
        return get_function(self.config, function)

    async def list_functions(self, call: AwsCall) -> dict[str, Any]:
        functions = [self.config.functions[name] for name in sorted(self.config.functions)]
        page, marker = _page(functions, call.params, FUNCTIONS_PAGE)
        out: dict[str, Any] = {"Functions": [function_configuration(self.config, f) for f in page]}
        if marker is not None:
            out["NextMarker"] = marker
        return out


def _page(items: Sequence[T], params: dict[str, Any], most: int) -> tuple[Sequence[T], str | None]:
    """One page of ``items`` from ``Marker`` (an offset, opaque to clients), at most
    ``MaxItems`` and ``most``; and the next page's marker, None after the last."""
    size = params.get("MaxItems")
    if size is not None and not 1 <= size <= MAX_ITEMS:
        bound = "greater than or equal to 1" if size < 1 else f"less than or equal to {MAX_ITEMS}"
        raise ValidationException(
            validation_message(size, "maxItems", f"Member must have value {bound}")
        )
    start = _offset(params.get("Marker"))
    end = start + min(size or most, most)
    return items[start:end], (str(end) if end < len(items) else None)


def _offset(marker: str | None) -> int:
    if marker is None:
        return 0
    if not marker.isdigit():
        raise InvalidParameterValueException(f"Invalid Marker: {marker[:100]}")
    return int(marker)
