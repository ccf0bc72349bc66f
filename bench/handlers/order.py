"""Order handler: notes which records ran when, so the bench can check order per key.

One line per record, ``<key> <position> <monotonic ns at handler start>``, to
``$BENCH_OUT/order-<pid>.txt``. Kinesis records: key = partition key, position = sequence
number. SQS FIFO records: key = message group, position = SQS sequence number. The
monotonic clock is the same for every process on the machine, so lines from different
workers sort into the order the handlers ran.
"""

import os
import time

_out = None


def handler(event, context):
    started = time.monotonic_ns()
    global _out
    if _out is None:
        path = os.path.join(os.environ["BENCH_OUT"], f"order-{os.getpid()}.txt")
        _out = open(path, "a")  # noqa: SIM115 - lives as long as the worker
    lines = []
    for record in event["Records"]:
        if "kinesis" in record:
            key = record["kinesis"]["partitionKey"]
            position = record["kinesis"]["sequenceNumber"]
        else:
            key = record["attributes"]["MessageGroupId"]
            position = record["attributes"]["SequenceNumber"]
        lines.append(f"{key} {position} {started}\n")
    lines.append(f"# {started} {time.monotonic_ns()}\n")
    _out.write("".join(lines))
    _out.flush()
