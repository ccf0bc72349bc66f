"""Payments handler for a FIFO queue: stops at the first failure and reports the rest.

That is AWS's advice for FIFO partial batches (report the failed message and every message
after it), so a group's order holds. A payment marked "fail_once" fails on its first
delivery, to show its group waiting for the retry while other groups go on.
"""

import json

invocations = 0  # module state survives between invocations: workers stay warm


def handler(event, context):
    global invocations
    invocations += 1
    records = event["Records"]
    for index, record in enumerate(records):
        payment = json.loads(record["body"])
        first_delivery = record["attributes"]["ApproximateReceiveCount"] == "1"
        if payment.get("fail_once") and first_delivery:
            print(f"payment {payment['id']} of {payment['customer']} failed once; retrying")
            rest = records[index:]
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in rest]}
    return {"batchItemFailures": []}
