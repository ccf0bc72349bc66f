"""Users handler for a DynamoDB table's change stream: sees INSERT, MODIFY and REMOVE."""


def handler(event, context):
    for record in event["Records"]:
        keys = record["dynamodb"]["Keys"]
        new = record["dynamodb"].get("NewImage", {})
        name = new.get("name", {}).get("S", "-")
        print(f"{record['eventName']:<6} user {keys['id']['S']} (name: {name})")
    return None
