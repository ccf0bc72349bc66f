"""One behavioural suite, two kinds of queue: the embedded broker and real SQS (moto's server).

A test declares queues, functions and mappings through :class:`Project`; the
:class:`Backend` of the test's source kind creates the queues (the config's ``queues:`` for
the embedded broker, CreateQueue on moto for SQS), sends messages and reads what is left.
The project then runs in-process through :class:`~headrace.app.App` until drained, with the
handler files of ``tests/e2e/app`` (they log every record to ``log.jsonl``).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import yaml

from headrace.app import App, RunOptions
from headrace.broker.queue_broker import QueueBroker
from headrace.config.load import load_config
from headrace.config.model import Config

# The handlers of the end-to-end tests, shared rather than copied.
HANDLERS = Path(__file__).parents[1] / "e2e" / "app"
REGION = "us-east-1"
# The config's own account: ARNs in it name embedded queues.
EMBEDDED_ACCOUNT = "000000000000"
# moto's default account: ARNs in it are real queues for a config in EMBEDDED_ACCOUNT.
MOTO_ACCOUNT = "123456789012"
# Bound on one run until drained: a hang fails the test instead of blocking the suite.
RUN_TIMEOUT = 45.0
# Bound on waiting for a condition while a run goes on, and how often to look.
WAIT_TIMEOUT = 30.0
POLL_SECONDS = 0.05
# A queue's visibility timeout unless a test says otherwise: short, so a failed message comes
# back quickly, yet well past a worker's start on a loaded machine, which counts against it
# (embedded queues, like AWS, do not extend visibility: a batch still running when it runs
# out is delivered again). 1 s was seen to run out under load.
RETRY_VISIBILITY = 3


class Backend(Protocol):
    """Where a test's queues live, and how it sends to and reads from them."""

    kind: str

    def arn(self, name: str) -> str: ...

    def top(self) -> dict[str, Any]: ...

    def create(self, queues: dict[str, dict[str, Any]]) -> dict[str, Any]: ...

    def open(self, config: Config) -> None: ...

    def send(self, name: str, bodies: list[str], group: str | None = None) -> list[str]: ...

    def bodies(self, name: str) -> list[str]: ...

    def close(self) -> None: ...


class EmbeddedBackend:
    """Queues declared in the config, written to straight through the broker file."""

    kind = "embedded"

    def __init__(self) -> None:
        self._broker: QueueBroker | None = None

    def arn(self, name: str) -> str:
        return f"arn:aws:sqs:{REGION}:{EMBEDDED_ACCOUNT}:{name}"

    def top(self) -> dict[str, Any]:
        return {}

    def create(self, queues: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return queues  # the config's `queues:` section

    def open(self, config: Config) -> None:
        self._broker = QueueBroker(
            config.data_dir / "broker.sqlite3",
            config.queues,
            region=config.region,
            account=config.account,
        )

    def send(self, name: str, bodies: list[str], group: str | None = None) -> list[str]:
        assert self._broker is not None
        return [
            self._broker.send_message(name, body, message_group_id=group).message_id
            for body in bodies
        ]

    def bodies(self, name: str) -> list[str]:
        assert self._broker is not None
        return [m.body for m in self._broker.peek_messages(name, 10_000)]

    def close(self) -> None:
        if self._broker is not None:
            self._broker.close()


class SqsBackend:
    """Real SQS queues on moto's server; names get a per-test suffix (moto is shared)."""

    kind = "sqs"

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.endpoint = endpoint
        self.client = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint)
        self._token = uuid.uuid4().hex[:8]
        self._urls: dict[str, str] = {}
        # False: the config has no aws block; the endpoint must come from AWS_ENDPOINT_URL.
        self.endpoint_in_config = True

    def real_name(self, name: str) -> str:
        if name.endswith(".fifo"):
            return f"{name[: -len('.fifo')]}-{self._token}.fifo"
        return f"{name}-{self._token}"

    def arn(self, name: str) -> str:
        return f"arn:aws:sqs:{REGION}:{MOTO_ACCOUNT}:{self.real_name(name)}"

    def top(self) -> dict[str, Any]:
        return {"aws": {"endpoint_url": self.endpoint}} if self.endpoint_in_config else {}

    def create(self, queues: dict[str, dict[str, Any]]) -> dict[str, Any]:
        # Dead-letter queues first: a RedrivePolicy names an existing queue.
        for name, attrs in sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]):
            self.create_queue(name, attrs)
        return {}

    def create_queue(self, name: str, attrs: dict[str, Any]) -> None:
        wire = {k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in attrs.items()}
        wire = {k: v.lower() if v in ("True", "False") else v for k, v in wire.items()}
        url = self.client.create_queue(QueueName=self.real_name(name), Attributes=wire)
        self._urls[name] = url["QueueUrl"]

    def url(self, name: str) -> str:
        return self._urls[name]

    def delete_queue(self, name: str) -> None:
        self.client.delete_queue(QueueUrl=self._urls[name])

    def open(self, config: Config) -> None:
        pass

    def send(self, name: str, bodies: list[str], group: str | None = None) -> list[str]:
        ids = []
        for body in bodies:
            extra = {"MessageGroupId": group} if group is not None else {}
            sent = self.client.send_message(QueueUrl=self._urls[name], MessageBody=body, **extra)
            ids.append(sent["MessageId"])
        return ids

    def bodies(self, name: str) -> list[str]:
        """Every message left in the queue (received with a long visibility: read once)."""
        found: list[str] = []
        while True:
            got = self.client.receive_message(
                QueueUrl=self._urls[name], MaxNumberOfMessages=10, VisibilityTimeout=60
            ).get("Messages", [])
            if not got:
                return found
            found.extend(m["Body"] for m in got)

    def close(self) -> None:
        self.client.close()


def queue(
    backend: Backend,
    *,
    visibility: int = RETRY_VISIBILITY,
    dlq: str | None = None,
    max_receives: int = 2,
    fifo: bool = False,
) -> dict[str, Any]:
    """A queue's attributes: a short visibility so retries come quickly."""
    attrs: dict[str, Any] = {"VisibilityTimeout": visibility}
    if fifo:
        attrs.update(FifoQueue=True, ContentBasedDeduplication=True)
    if dlq is not None:
        attrs["RedrivePolicy"] = {
            "deadLetterTargetArn": backend.arn(dlq),
            "maxReceiveCount": max_receives,
        }
    return attrs


class Project:
    """A headrace project in a folder, run in-process on one backend."""

    def __init__(self, root: Path, backend: Backend) -> None:
        self.root = root
        self.backend = backend
        self.log_path = root / "log.jsonl"
        self.config: Config | None = None

    def configure(
        self,
        *,
        queues: dict[str, dict[str, Any]],
        mappings: list[dict[str, Any]],
        handler: str = "handlers.whole",
        timeout: int = 1,
        concurrency: int = 3,
        variables: dict[str, str] | None = None,
    ) -> Config:
        """Create the queues, write headrace.yaml with one function ``fn``, load it."""
        function = {
            "Handler": handler,
            "CodeUri": "./src",
            "Timeout": timeout,
            "ReservedConcurrentExecutions": concurrency,
            "Environment": {"Variables": {"E2E_DIR": str(self.root), **(variables or {})}},
        }
        data = {
            "region": REGION,
            "account": EMBEDDED_ACCOUNT,
            "data_dir": ".headrace",
            **self.backend.top(),
            "queues": self.backend.create(queues),
            "functions": {"fn": function},
            "event_source_mappings": [
                {"FunctionName": "fn", **m, "EventSourceArn": self.backend.arn(m["queue"])}
                for m in mappings
            ],
        }
        for m in data["event_source_mappings"]:
            del m["queue"]
        path = self.root / "headrace.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        shutil.copytree(HANDLERS, self.root / "src", dirs_exist_ok=True)
        self.config = load_config(path)
        self.backend.open(self.config)
        return self.config

    def app(self) -> App:
        assert self.config is not None
        return App(self.config)

    async def drain(self, app: App | None = None) -> App:
        """Run until drained (bounded); the app, for its statistics."""
        app = app or self.app()
        options = RunOptions(until_drained=True, port=None, timeout=RUN_TIMEOUT)
        result = await asyncio.wait_for(app.run(options), RUN_TIMEOUT + 15)
        assert result.drained, "the run timed out before the queues drained"
        return app

    # -- evidence ------------------------------------------------------------------------

    def records(self, outcome: str | None = None) -> list[dict[str, Any]]:
        """Records the handlers logged, in order; optionally only those with ``outcome``."""
        if not self.log_path.exists():
            return []
        lines = [json.loads(line) for line in self.log_path.read_text().splitlines() if line]
        found = [e for e in lines if e["event"] == "record"]
        return [e for e in found if outcome is None or e["outcome"] == outcome]


async def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_TIMEOUT) -> Any:
    """Poll ``condition`` on the loop until truthy; fail naming ``what`` if it never is."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)
