"""SQS on the endpoint (JSON and query protocols): the embedded broker's queues.

Every operation is one call of the broker's own operation on the broker thread
(``EmbeddedBroker.call``), the same ones ``headrace send`` and ``dlq`` use; this module only
maps SQS's shapes onto them (:mod:`.sqs_messages`, :mod:`.sqs_queue_attributes`,
:mod:`.sqs_queue_urls`). ReceiveMessage's long poll waits on the broker's wake-ups
(:mod:`headrace.broker.wake`), so a send from any process ends it at once; a stopping run
ends it too (with no messages).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.api.aws.sqs_messages import (
    attribute_values,
    delete_entries,
    id_batch_output,
    received,
    send_batch_output,
    send_entries,
    sent,
    visibility_entries,
)
from headrace.api.aws.sqs_queue_attributes import (
    changed_config,
    created_config,
    given_attributes,
    selected_attributes,
)
from headrace.api.aws.sqs_queue_urls import queue_name, queue_url
from headrace.broker.queue_broker import QueueBroker
from headrace.clock import Clock
from headrace.errors import (
    AwsError,
    InvalidParameterValue,
    MissingParameter,
    PurgeQueueInProgress,
    QueueDoesNotExist,
)
from headrace.events import QueueMessage

if TYPE_CHECKING:
    from headrace.app import App
    from headrace.broker.embedded import EmbeddedBroker

P = ParamSpec("P")
T = TypeVar("T")

# SQS: a long poll waits at most 20 seconds.
MAX_WAIT_SECONDS = 20
# SQS: ListQueues returns at most 1000 URLs a page.
MAX_LIST_RESULTS = 1000
# SQS: one PurgeQueue per queue every 60 seconds.
PURGE_INTERVAL_SECONDS = 60.0
# SQS: a FIFO ReceiveRequestAttemptId is remembered for 5 minutes.
ATTEMPT_WINDOW_SECONDS = 300.0


class SqsService(AwsService):
    """SQS's queue and message operations over one embedded broker."""

    service_name = "sqs"

    def __init__(
        self, broker: EmbeddedBroker, *, account: str, clock: Clock, stopping: asyncio.Event
    ) -> None:
        self._broker = broker
        self._account = account
        self._clock = clock
        self._stopping = stopping
        self._purged: dict[str, float] = {}
        # (queue ARN, ReceiveRequestAttemptId) -> (monotonic expiry, the messages returned).
        self._attempts: dict[tuple[str, str], tuple[float, list[QueueMessage]]] = {}

    def missing_parameter(self, path: str) -> AwsError:
        """SQS's wording for a missing required parameter."""
        return MissingParameter(f"The request must contain the parameter {path}.")

    async def _run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._broker.call(fn, *args, **kwargs)

    @property
    def _core(self) -> QueueBroker:
        return self._broker.queues

    def _name(self, call: AwsCall) -> str:
        return queue_name(call.params["QueueUrl"], self._account)

    def _url(self, call: AwsCall, name: str) -> str:
        return queue_url(call.host, self._account, name)

    # -- queues -----------------------------------------------------------------------

    async def create_queue(self, call: AwsCall) -> dict[str, Any]:
        name = call.params["QueueName"]
        attributes = call.params.get("Attributes", {})
        config = created_config(name, attributes)
        given = given_attributes(attributes)
        queue = await self._run(self._core.create_queue, name, config, given=given)
        return {"QueueUrl": self._url(call, queue.name)}

    async def get_queue_url(self, call: AwsCall) -> dict[str, Any]:
        owner = call.params.get("QueueOwnerAWSAccountId")
        if owner is not None and owner != self._account:
            raise QueueDoesNotExist("The specified queue does not exist.")
        queue = await self._run(self._core.queue, call.params["QueueName"])
        return {"QueueUrl": self._url(call, queue.name)}

    async def list_queues(self, call: AwsCall) -> dict[str, Any]:
        prefix = call.params.get("QueueNamePrefix", "")
        limit = call.params.get("MaxResults")
        if limit is not None and not 1 <= limit <= MAX_LIST_RESULTS:
            raise InvalidParameterValue(
                f"Value {limit} for parameter MaxResults is invalid. Reason: MaxResults must "
                f"be an integer between 1 and {MAX_LIST_RESULTS}."
            )
        after = _token_name(call.params.get("NextToken"))
        names = sorted(await self._run(_queue_names, self._core))
        names = [n for n in names if n.startswith(prefix) and (after is None or n > after)]
        page = names[: limit or MAX_LIST_RESULTS]
        out: dict[str, Any] = {}
        if page:
            out["QueueUrls"] = [self._url(call, name) for name in page]
        if limit is not None and len(names) > len(page):
            out["NextToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return out

    async def get_queue_attributes(self, call: AwsCall) -> dict[str, Any]:
        every = await self._run(self._core.get_queue_attributes, self._name(call))
        chosen = selected_attributes(every, call.params.get("AttributeNames"))
        return {"Attributes": chosen} if chosen else {}

    async def set_queue_attributes(self, call: AwsCall) -> dict[str, Any]:
        name = self._name(call)
        queue = await self._run(self._core.queue, name)
        config = changed_config(queue.config, call.params["Attributes"])
        await self._run(self._core.set_queue_attributes, name, config)
        return {}

    async def delete_queue(self, call: AwsCall) -> dict[str, Any]:
        await self._run(self._core.delete_queue, self._name(call))
        return {}

    async def purge_queue(self, call: AwsCall) -> dict[str, Any]:
        name = self._name(call)
        queue = await self._run(self._core.queue, name)
        now = self._clock.monotonic()
        last = self._purged.get(queue.arn)
        if last is not None and now - last < PURGE_INTERVAL_SECONDS:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {name} is allowed every "
                f"{PURGE_INTERVAL_SECONDS:.0f} seconds."
            )
        await self._run(self._core.purge_queue, name)
        self._purged[queue.arn] = now
        return {}

    # -- messages ---------------------------------------------------------------------

    async def send_message(self, call: AwsCall) -> dict[str, Any]:
        p = call.params
        result = await self._run(
            self._core.send_message,
            self._name(call),
            p["MessageBody"],
            delay_seconds=p.get("DelaySeconds"),
            message_attributes=attribute_values(p.get("MessageAttributes")),
            message_group_id=p.get("MessageGroupId"),
            message_deduplication_id=p.get("MessageDeduplicationId"),
        )
        return sent(result)

    async def send_message_batch(self, call: AwsCall) -> dict[str, Any]:
        entries = send_entries(call.params["Entries"])
        batch = await self._run(self._core.send_message_batch, self._name(call), entries)
        return send_batch_output(batch)

    async def receive_message(self, call: AwsCall) -> dict[str, Any]:
        p = call.params
        name = self._name(call)
        queue = await self._run(self._core.queue, name)
        wait = p.get("WaitTimeSeconds", queue.config.receive_message_wait_time_seconds)
        if not 0 <= wait <= MAX_WAIT_SECONDS:
            raise InvalidParameterValue(
                f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 "
                f"and <= {MAX_WAIT_SECONDS}, if provided."
            )
        attempt = p.get("ReceiveRequestAttemptId") if queue.fifo else None
        messages = self._attempted(queue.arn, attempt)
        if messages is None:
            messages = await self._receive(
                name, queue.arn, p.get("MaxNumberOfMessages", 1), p.get("VisibilityTimeout"), wait
            )
            if attempt is not None and messages:
                timeout = p.get("VisibilityTimeout", queue.config.visibility_timeout)
                expiry = self._clock.monotonic() + min(ATTEMPT_WINDOW_SECONDS, timeout)
                self._attempts[(queue.arn, attempt)] = (expiry, messages)
        system = [*p.get("AttributeNames", ()), *p.get("MessageSystemAttributeNames", ())]
        names = p.get("MessageAttributeNames", ())
        if not messages:
            return {}
        return {"Messages": [received(m, system, names) for m in messages]}

    async def _receive(
        self, name: str, arn: str, max_messages: int, visibility: int | None, wait: float
    ) -> list[QueueMessage]:
        """Receive now; if nothing came, wait for a change (or the next delayed or in-flight
        message's time) and try again, until ``wait`` seconds are up or the run stops."""
        waker = self._broker.waker
        deadline = self._clock.monotonic() + wait
        while True:
            version = waker.version(arn)
            messages = await self._run(
                self._core.receive_message, name, max_messages, visibility_timeout=visibility
            )
            remaining = deadline - self._clock.monotonic()
            if messages or remaining <= 0 or self._stopping.is_set():
                return messages
            visible_at = await self._run(self._core.next_visible_at, name)
            if visible_at is not None:
                remaining = min(remaining, max(0.0, visible_at - self._clock.time()))
            await self._wait(arn, version, remaining)

    async def _wait(self, arn: str, version: int, timeout: float) -> None:
        """Until ``arn`` changes after ``version``, ``timeout`` passes or the run stops."""
        waiting = asyncio.ensure_future(self._broker.waker.wait(arn, version, timeout, self._clock))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiting, stopping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _attempted(self, arn: str, attempt: str | None) -> list[QueueMessage] | None:
        """The messages a FIFO receive with this ReceiveRequestAttemptId returned, while
        they are still in flight under it; None for a new attempt."""
        now = self._clock.monotonic()
        self._attempts = {k: v for k, v in self._attempts.items() if v[0] > now}
        if attempt is None:
            return None
        found = self._attempts.get((arn, attempt))
        return None if found is None else found[1]

    async def delete_message(self, call: AwsCall) -> dict[str, Any]:
        await self._run(self._core.delete_message, self._name(call), call.params["ReceiptHandle"])
        return {}

    async def delete_message_batch(self, call: AwsCall) -> dict[str, Any]:
        entries = delete_entries(call.params["Entries"])
        batch = await self._run(self._core.delete_message_batch, self._name(call), entries)
        return id_batch_output(batch)

    async def change_message_visibility(self, call: AwsCall) -> dict[str, Any]:
        p = call.params
        await self._run(
            self._core.change_message_visibility,
            self._name(call),
            p["ReceiptHandle"],
            p["VisibilityTimeout"],
        )
        return {}

    async def change_message_visibility_batch(self, call: AwsCall) -> dict[str, Any]:
        entries = visibility_entries(call.params["Entries"])
        batch = await self._run(
            self._core.change_message_visibility_batch, self._name(call), entries
        )
        return id_batch_output(batch)


def _queue_names(core: QueueBroker) -> list[str]:
    return core.queue_names


def _token_name(token: str | None) -> str | None:
    """The last queue name of the previous page, from ListQueues' NextToken."""
    if token is None:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, ValueError):
        raise InvalidParameterValue("Invalid NextToken value.") from None


def serve(app: App) -> SqsService:
    """SQS over the run's embedded broker."""
    return SqsService(
        app.broker, account=app.config.account, clock=app.clock, stopping=app.stopping
    )
