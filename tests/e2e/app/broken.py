"""A handler module that cannot be imported: its import raises."""

raise RuntimeError("this module fails at import, as a missing dependency would")


def handler(event, context):  # never reached
    return None
