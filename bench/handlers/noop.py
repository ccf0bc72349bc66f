"""The no-op handler of the queue drain: Lambda's signature, does nothing."""


def handler(event, context):
    return None
