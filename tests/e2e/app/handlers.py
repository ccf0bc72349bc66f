"""Lambda handlers the end-to-end tests run through `headrace run`: plain user code.

What a handler does with a record is chosen by the body's prefix (``KIND:anything``):
``poison`` fails every time (unless ``$E2E_CURED`` is 1), ``flaky`` fails its first
receive, ``hang`` sleeps past any Timeout, ``crash`` kills the worker with ``os._exit(3)``,
``hold`` touches ``$E2E_DIR/started-<messageId>`` and waits until ``$E2E_DIR/release``
exists; anything else succeeds. Every handler appends one JSON line per record (and one
per invocation start) to ``$E2E_DIR/log.jsonl``, flushed and fsynced, so a test can read
what happened even after the engine was killed.
"""

import json
import os
import time

DIR = os.environ["E2E_DIR"]
LOG = os.path.join(DIR, "log.jsonl")
RELEASE = os.path.join(DIR, "release")
# Per-record work time, so a crash test finds batches in flight.
RECORD_SLEEP = float(os.environ.get("E2E_RECORD_SLEEP", "0"))
# Longer than any Timeout the tests configure: the runtime must kill the worker.
HANG_SECONDS = 120
# A held record gives up eventually, so a broken test cannot leave a worker behind.
HOLD_LIMIT_SECONDS = 60
# Set when "the bug was fixed": poison records succeed (a DLQ redrive then drains).
CURED = os.environ.get("E2E_CURED") == "1"


def append(entry):
    """Append one JSON line atomically (O_APPEND, one write) and make it durable."""
    data = (json.dumps(entry, sort_keys=True) + "\n").encode()
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def kind(record):
    prefix = record["body"].split(":", 1)[0]
    return prefix if prefix in ("poison", "flaky", "hang", "crash", "hold") else "ok"


def receive_count(record):
    return int(record["attributes"]["ApproximateReceiveCount"])


def log_start(event, context):
    ids = [r["messageId"] for r in event["Records"]]
    append({"event": "start", "pid": os.getpid(), "requestId": context.aws_request_id, "ids": ids})


def log_record(record, context, outcome):
    append(
        {
            "event": "record",
            "outcome": outcome,
            "messageId": record["messageId"],
            "body": record["body"],
            "receiveCount": receive_count(record),
            "groupId": record["attributes"].get("MessageGroupId"),
            "pid": os.getpid(),
            "requestId": context.aws_request_id,
            "function": context.function_name,
            "record": record,
        }
    )


def work(record):
    """Do the record's work; True when it succeeded."""
    if RECORD_SLEEP:
        time.sleep(RECORD_SLEEP)
    what = kind(record)
    if what == "hang":
        time.sleep(HANG_SECONDS)
    elif what == "crash":
        os._exit(3)
    elif what == "hold":
        open(os.path.join(DIR, "started-" + record["messageId"]), "w").close()
        deadline = time.monotonic() + HOLD_LIMIT_SECONDS
        while not os.path.exists(RELEASE) and time.monotonic() < deadline:
            time.sleep(0.01)
    if what == "poison":
        return CURED
    return what != "flaky" or receive_count(record) > 1


def whole(event, context):
    """Fail the whole batch (raise) when any record fails."""
    log_start(event, context)
    results = [(record, work(record)) for record in event["Records"]]
    failed = not all(ok for _, ok in results)
    for record, ok in results:
        log_record(
            record, context, "ok" if not failed else ("failed" if not ok else "batch-failed")
        )
    if failed:
        raise RuntimeError("a record of this batch failed")
    return None


def partial(event, context):
    """Report failed records (ReportBatchItemFailures); on FIFO, also every later record
    of a failed record's group, as AWS advises (§3.5.8)."""
    log_start(event, context)
    failures = []
    failed_groups = set()
    for record in event["Records"]:
        group = record["attributes"].get("MessageGroupId")
        if group is not None and group in failed_groups:
            log_record(record, context, "skipped")
        elif work(record):
            log_record(record, context, "ok")
            continue
        else:
            log_record(record, context, "failed")
            if group is not None:
                failed_groups.add(group)
        failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


# Responses that are not a valid partial batch response (§3.5.4), by $E2E_MALFORMED.
MALFORMED = {
    "unknown-id": {"batchItemFailures": [{"itemIdentifier": "not-a-message-of-this-batch"}]},
    "empty-id": {"batchItemFailures": [{"itemIdentifier": ""}]},
    "wrong-key": {"batchItemFailures": [{"foo": "bar"}]},
}


def malformed(event, context):
    """On a batch with a first receive, return $E2E_MALFORMED's invalid response."""
    log_start(event, context)
    first = any(receive_count(r) == 1 for r in event["Records"])
    for record in event["Records"]:
        log_record(record, context, "malformed" if first else "ok")
    if first:
        return MALFORMED[os.environ.get("E2E_MALFORMED", "unknown-id")]
    return {"batchItemFailures": []}


def unserialisable(event, context):
    """Return what JSON cannot encode: a function error, as Runtime.MarshalError on Lambda."""
    log_start(event, context)
    return {"batchItemFailures": {1, 2}}
