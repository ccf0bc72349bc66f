"""Start handler: when each record's invocation started, one line per record.

The bench tags each message (``tag`` in its JSON body); the handler takes the time first
thing and writes ``<tag> <time.time()>`` to ``$BENCH_OUT/started-<pid>.txt``.
"""

import json
import os
import time

_out = None


def handler(event, context):
    now = time.time()
    global _out
    if _out is None:
        path = os.path.join(os.environ["BENCH_OUT"], f"started-{os.getpid()}.txt")
        _out = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the worker
    tags = [json.loads(record["body"])["tag"] for record in event["Records"]]
    _out.write("".join(f"{tag} {now:.6f}\n" for tag in tags))
