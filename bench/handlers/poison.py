"""Failures handler: reports the poison messages of a batch as failed (partial response).

Every other message succeeds. Poison messages come back after the visibility timeout and,
after maxReceiveCount receives, go to the dead-letter queue.
"""

import json


def handler(event, context):
    failed = [
        {"itemIdentifier": record["messageId"]}
        for record in event["Records"]
        if json.loads(record["body"]).get("poison")
    ]
    return {"batchItemFailures": failed}
