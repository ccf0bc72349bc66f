"""Counting handler for MiniStack's Kinesis mapping: one line per record, no other work.

Written to ``$BENCH_OUT/count-<pid>.txt`` so the bench can see when every record was
handled (MiniStack's handlers run in its own worker processes).
"""

import os

_out = None


def handler(event, context):
    global _out
    if _out is None:
        path = os.path.join(os.environ["BENCH_OUT"], f"count-{os.getpid()}.txt")
        _out = open(path, "a")  # noqa: SIM115 - lives as long as the worker
    _out.write("x\n" * len(event["Records"]))
    _out.flush()
