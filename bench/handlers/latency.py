"""Latency handler: send -> handler start, one line (milliseconds) per record.

The sender puts its ``time.time()`` in the message (``sent``); the handler takes the time
first thing, then writes the differences to ``$BENCH_OUT/latency-<pid>.txt``.
"""

import base64
import json
import os
import time

_out = None


def handler(event, context):
    now = time.time()
    global _out
    if _out is None:
        path = os.path.join(os.environ["BENCH_OUT"], f"latency-{os.getpid()}.txt")
        _out = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the worker
    lines = []
    for record in event["Records"]:
        if "body" in record:
            sent = json.loads(record["body"])["sent"]
        else:
            sent = json.loads(base64.b64decode(record["kinesis"]["data"]))["sent"]
        lines.append(f"{(now - sent) * 1000:.3f}\n")
    _out.write("".join(lines))
