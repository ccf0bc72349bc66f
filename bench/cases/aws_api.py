"""Case 6, the run endpoint's AWS APIs (issue 10), beside moto's server in the same run.

``headrace run CONFIG --port P`` runs as its own process with a queue and a table (with a
stream) declared in its file and no mapping; ``moto_server`` runs as another. This process
is the client, with boto3 as an application uses it:

* ``send_message_batch`` (10 messages of the bench's ~200-byte order) on each server, for a
  fixed time, with 1, 2 and 4 client threads (each thread its own session and client, after
  one untimed call); the best rate of each server is its row, every rate is in the notes;
* ``put_item`` (one order per item) on a table with a stream, the same way; when the
  endpoint does not serve DynamoDB yet, its row says so and moto's is still measured;
* create_event_source_mapping → first message delivered: a queue holds one tagged
  message, the mapping is created, and the time from the create call to the handler's
  start is taken (the handler writes its start time); then the mapping is deleted and the
  bench waits until it is gone. Cold: a function never run before, each sample its own;
  warm: one function whose worker already runs (a first round, not counted, warms it).

The server's CPU over each burst is read from its process tree, so the rows also say what
a message costs the server, whatever the client could drive.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BIN, Row, emit, log, payload, start, stop, tree_usage
from bench.project import REGION, SEND_BATCH, Project, queue_arn

START_TIMEOUT_S = 60.0
# How long a mapping may take to deliver its first message, or to be gone once deleted.
DELIVERY_TIMEOUT_S = 30.0
# How often the bench looks for the handler's line (the handler times itself: this only
# bounds how soon the next sample starts).
POLL_S = 0.005
# A pause after each mapping is gone, so the next create finds the engine idle.
SETTLE_S = 0.2
QUEUE = "api"
TABLE = "items"
FIRST_QUEUE = "first"
WARM_FUNCTION = "warm"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(port: int, alive: Callable[[], bool], timeout: float = START_TIMEOUT_S) -> None:
    """Wait until something accepts connections on ``port``; fail if ``alive()`` turns false."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.closing(socket.socket()) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if not alive():
            raise RuntimeError(f"the server for port {port} exited before it listened")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listened on port {port} after {timeout:.0f} s")
        time.sleep(0.05)


def client(service: str, url: str) -> Any:
    """A boto3 client of its own session (sessions are not shared between threads)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    config = Config(retries={"max_attempts": 1}, max_pool_connections=4)
    return session.client(service, endpoint_url=url, config=config)


def send_entries(first: int) -> list[dict[str, str]]:
    """One SendMessageBatch's entries: the orders ``first`` .. ``first + 9``."""
    return [{"Id": str(k), "MessageBody": payload(first + k)} for k in range(SEND_BATCH)]


def table_item(i: int, thread: int) -> dict[str, dict[str, str]]:
    """Order ``i`` of client thread ``thread`` as a DynamoDB item (a new key every time)."""
    return {"pk": {"S": f"t{thread}-{i:09d}"}, "order": {"S": payload(i)}}


@dataclass(frozen=True)
class Burst:
    """What ``threads`` clients did in ``seconds``: ``units`` messages or items."""

    threads: int
    units: int
    seconds: float
    server_cpu_s: float

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds > 0 else 0.0

    @property
    def per_server_cpu_s(self) -> float | None:
        return self.units / self.server_cpu_s if self.server_cpu_s > 0 else None


def best(bursts: list[Burst]) -> Burst:
    """The burst with the highest rate (the first of equals)."""
    return max(bursts, key=lambda b: b.rate)


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """``ours / theirs``, or None when either is missing or ``theirs`` is 0."""
    if not ours or not theirs:
        return None
    return ours / theirs


# One call of a burst: (its thread's client, the thread's index, the call's index) -> units.
Call = Callable[[Any, int, int], int]


def burst(make_client: Callable[[], Any], call: Call, threads: int, seconds: float) -> list[int]:
    """Run ``call`` in ``threads`` threads for ``seconds``; each thread's units.

    Every thread makes its client and one untimed call first; all start together.
    """
    counts = [0] * threads
    errors: list[BaseException] = []
    ready = threading.Barrier(threads + 1)

    def work(k: int) -> None:
        try:
            own = make_client()
            call(own, k, -1)
        except BaseException as exc:  # reported by the caller, after the barrier
            errors.append(exc)
            ready.abort()
            return
        ready.wait()
        deadline = time.monotonic() + seconds
        n, i = 0, 0
        try:
            while time.monotonic() < deadline:
                n += call(own, k, i)
                i += 1
        except BaseException as exc:
            errors.append(exc)
        counts[k] = n

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    for worker in workers:
        worker.join()
    if errors:
        raise RuntimeError(f"a client thread failed: {errors[0]!r}") from errors[0]
    return counts


def measure(
    server_pid: int,
    make_client: Callable[[], Any],
    call: Call,
    threads: int,
    seconds: float,
) -> Burst:
    """One timed burst, with the server's process-tree CPU over it."""
    _, cpu_before = tree_usage(server_pid)
    started = time.monotonic()
    counts = burst(make_client, call, threads, seconds)
    elapsed = time.monotonic() - started
    _, cpu_after = tree_usage(server_pid)
    return Burst(threads, sum(counts), elapsed, cpu_after - cpu_before)


def rate_row(case: str, system: str, unit: str, bursts: list[Burst]) -> Row:
    """The best burst of one server as a row; every burst's rate in the notes."""
    top = best(bursts)
    per_cpu = top.per_server_cpu_s
    each = ", ".join(f"{b.threads} thr {b.rate:,.0f}" for b in bursts)
    log(f"{system}: {each} {unit}/s")
    return Row(
        case,
        system,
        {
            "threads": top.threads,
            unit: top.units,
            f"{unit}_per_s": round(top.rate),
            "server_cpu_s": round(top.server_cpu_s, 2),
            f"{unit}_per_server_cpu_s": None if per_cpu is None else round(per_cpu),
        },
        [f"{unit}/s by client threads: {each}"],
    )


def started_times(folder: Path) -> dict[str, tuple[float, int]]:
    """Every tag the start handler wrote: (its start time, the worker's pid)."""
    seen: dict[str, tuple[float, int]] = {}
    for path in folder.glob("started-*.txt"):
        pid = int(path.stem.removeprefix("started-"))
        text = path.read_text()
        for line in text[: text.rfind("\n") + 1].splitlines():
            tag, at = line.split()
            seen[tag] = (float(at), pid)
    return seen


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank, as the latency case takes it)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Endpoints:
    """The two servers under test: their URLs and process ids."""

    headrace_url: str
    headrace_pid: int
    moto_url: str
    moto_pid: int


@contextlib.contextmanager
def servers(project: Project) -> Iterator[Endpoints]:
    """``headrace run`` on the project's file and ``moto_server``, each on a free port."""
    ours, theirs = free_port(), free_port()
    config = str(project.write())
    headrace = start([str(BIN / "headrace"), "run", "-c", config, "--port", str(ours)])
    moto = start([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(theirs)])
    try:
        wait_listening(ours, lambda: headrace.poll() is None)
        wait_listening(theirs, lambda: moto.poll() is None)
        yield Endpoints(
            f"http://127.0.0.1:{ours}", headrace.pid, f"http://127.0.0.1:{theirs}", moto.pid
        )
    finally:
        stop(headrace)
        stop(moto)


def send_rows(ends: Endpoints, threads: list[int], seconds: float) -> list[Row]:
    """send_message_batch on both servers; each burst sends to an empty queue of its own."""
    rows = []
    for system, url, pid in (
        ("headrace endpoint", ends.headrace_url, ends.headrace_pid),
        ("moto server", ends.moto_url, ends.moto_pid),
    ):
        sqs = client("sqs", url)
        bursts = []
        for n in threads:
            queue_url = sqs.create_queue(QueueName=send_queue(n))["QueueUrl"]

            def call(own: Any, thread: int, i: int, queue_url: str = queue_url) -> int:
                entries = send_entries(max(i, 0) * SEND_BATCH)
                answer = own.send_message_batch(QueueUrl=queue_url, Entries=entries)
                if answer.get("Failed"):
                    raise RuntimeError(f"send_message_batch failed: {answer['Failed'][0]}")
                return len(answer["Successful"])

            bursts.append(measure(pid, lambda url=url: client("sqs", url), call, n, seconds))
        rows.append(rate_row("api_send", system, "msgs", bursts))
    return rows


def send_queue(threads: int) -> str:
    """The queue the burst of ``threads`` client threads sends to (declared in the file)."""
    return f"{QUEUE}-{threads}"


def dynamodb_served(url: str) -> str | None:
    """None when ``url`` answers DynamoDB's ListTables; otherwise why not."""
    try:
        client("dynamodb", url).list_tables()
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        return str(code or type(exc).__name__)
    return None


def put_rows(ends: Endpoints, threads: list[int], seconds: float) -> list[Row]:
    """put_item on a table with a stream, on both servers (moto's table made here)."""
    rows = []
    moto = client("dynamodb", ends.moto_url)
    moto.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )

    def call(own: Any, thread: int, i: int) -> int:
        own.put_item(TableName=TABLE, Item=table_item(i, thread))
        return 1

    for system, url, pid in (
        ("headrace endpoint", ends.headrace_url, ends.headrace_pid),
        ("moto server", ends.moto_url, ends.moto_pid),
    ):
        why = dynamodb_served(url)
        if why is not None:
            log(f"{system}: DynamoDB not served ({why})")
            rows.append(
                Row(
                    "api_put",
                    system,
                    {"served": False},
                    [f"DynamoDB not served yet (ListTables: {why})"],
                )
            )
            continue
        bursts = [
            measure(pid, lambda url=url: client("dynamodb", url), call, n, seconds) for n in threads
        ]
        rows.append(rate_row("api_put", system, "items", bursts))
    return rows


def first_delivery(
    lam: Any, sqs: Any, queue_url: str, function: str, tag: str, out: Path
) -> tuple[float, float, int]:
    """One sample: (create → handler start ms, the create call's ms, the worker's pid)."""
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"tag": tag, "sent": time.time()}))
    before = time.time()
    created = lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=queue_arn(FIRST_QUEUE), BatchSize=1
    )
    answered = time.time()
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while (found := started_times(out).get(tag)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{tag} not delivered {DELIVERY_TIMEOUT_S:.0f} s after create")
        time.sleep(POLL_S)
    lam.delete_event_source_mapping(UUID=created["UUID"])
    while True:
        try:
            lam.get_event_source_mapping(UUID=created["UUID"])
        except lam.exceptions.ResourceNotFoundException:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"the mapping of {tag} still there {DELIVERY_TIMEOUT_S:.0f} s on")
        time.sleep(POLL_S)
    time.sleep(SETTLE_S)
    at, pid = found
    return (at - before) * 1000, (answered - before) * 1000, pid


def delivery_row(label: str, samples: list[tuple[float, float, int]]) -> Row:
    latencies = [s[0] for s in samples]
    creates = [s[1] for s in samples]
    workers = len({s[2] for s in samples})
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    log(f"first delivery, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({workers} workers)")
    return Row(
        "api_first_delivery",
        f"headrace, {label}",
        {
            "samples": len(samples),
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(latencies), 1),
            "create_call_p50_ms": round(percentile(creates, 0.5), 1),
        },
        [f"{workers} worker process(es) ran the samples"],
    )


def delivery_rows(url: str, samples: int, out: Path) -> list[Row]:
    """create mapping → first delivery, cold functions then a warm one."""
    lam, sqs = client("lambda", url), client("sqs", url)
    queue_url = sqs.get_queue_url(QueueName=FIRST_QUEUE)["QueueUrl"]
    cold = [
        first_delivery(lam, sqs, queue_url, f"cold-{i}", f"cold-{i}", out) for i in range(samples)
    ]
    first_delivery(lam, sqs, queue_url, WARM_FUNCTION, "warm-up", out)
    warm = [
        first_delivery(lam, sqs, queue_url, WARM_FUNCTION, f"warm-{i}", out) for i in range(samples)
    ]
    return [
        delivery_row("cold function (its first invocation)", cold),
        delivery_row("warm function (its worker running)", warm),
    ]


def build_project(root: Path, threads: list[int], samples: int, out: Path) -> Project:
    project = Project(root)
    for n in threads:
        project.queues[send_queue(n)] = {}
    project.queues[FIRST_QUEUE] = {"VisibilityTimeout": 30}
    project.tables = {
        TABLE: {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        }
    }
    environment = {"Variables": {"BENCH_OUT": str(out)}}
    for name in [WARM_FUNCTION, *(f"cold-{i}" for i in range(samples))]:
        project.function(name, "started.handler", Environment=environment)
    return project


def run(seconds: float, threads: list[int], samples: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-aws-api-") as tmp:
        root = Path(tmp)
        out = root / "out"
        out.mkdir()
        project = build_project(root, threads, samples, out)
        with servers(project) as ends:
            rows = send_rows(ends, threads, seconds)
            rows += put_rows(ends, threads, seconds)
            rows += delivery_rows(ends.headrace_url, samples, out)
        return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="per burst")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    emit(run(args.seconds, args.threads, args.samples))


if __name__ == "__main__":
    main()
