"""Clicks handler for a Kinesis stream: raises on a poison record, as buggy code would.

With BisectBatchOnFunctionError the mapping halves the failing batch until the poison record
is alone; every other record is processed, and the poison one goes to the on-failure queue.
"""

import base64
import json


def handler(event, context):
    for record in event["Records"]:
        click = json.loads(base64.b64decode(record["kinesis"]["data"]))
        if click.get("poison"):
            raise ValueError(f"cannot count click {click['id']}")
    return None
