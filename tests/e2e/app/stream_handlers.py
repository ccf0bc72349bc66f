"""Stream handlers of the end-to-end tests: one JSON line per invocation in log.jsonl.

``poisoned`` fails every batch that holds a record whose data starts with ``poison``;
``held`` waits for the release file, as ``handlers``' ``hold`` records do.
"""

import base64
import os
import time

from handlers import DIR, HOLD_LIMIT_SECONDS, RELEASE, append


def poisoned(event, context):
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    append({"event": "stream", "data": data, "requestId": context.aws_request_id})
    if any(item.startswith("poison") for item in data):
        raise RuntimeError("a poison record")


def held(event, context):
    """Touch ``$E2E_DIR/started-stream`` and wait (bounded) until ``$E2E_DIR/release`` exists."""
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    append({"event": "stream", "data": data, "requestId": context.aws_request_id})
    open(os.path.join(DIR, "started-stream"), "w").close()
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while not os.path.exists(RELEASE) and time.monotonic() < deadline:
        time.sleep(0.01)
