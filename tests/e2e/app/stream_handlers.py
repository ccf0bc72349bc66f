"""Stream handlers of the end-to-end tests: one JSON line per invocation in log.jsonl.

``poisoned`` fails every batch that holds a record whose data starts with ``poison``.
"""

import base64

from handlers import append


def poisoned(event, context):
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    append({"event": "stream", "data": data, "requestId": context.aws_request_id})
    if any(item.startswith("poison") for item in data):
        raise RuntimeError("a poison record")
