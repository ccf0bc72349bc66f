"""Orders handler: a Lambda handler, unchanged. It reports failed items instead of raising.

- an order with a negative amount is poison: it fails every time and ends in the DLQ;
- an order marked "flaky" fails on its first delivery and succeeds on the retry.
"""

import json
import os


def handler(event, context):
    failures = []
    for record in event["Records"]:
        order = json.loads(record["body"])
        attempt = record["attributes"]["ApproximateReceiveCount"]
        if order["amount"] < 0 or (order.get("flaky") and attempt == "1"):
            print(f"order {order['id']} failed (attempt {attempt})")
            failures.append({"itemIdentifier": record["messageId"]})
    assert os.environ["STAGE"] == "demo"
    return {"batchItemFailures": failures}
