"""SQS queue URLs: ``http://HOST:PORT/ACCOUNT/NAME``, built from the Host the client addressed.

A URL is read in any host form (``localhost``, ``127.0.0.1``, ``sqs.us-east-1.localhost``,
a container name): the queue is its last path segment, and the segment before it must be
headrace's account, as an SQS endpoint only answers for its own account's queues.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from headrace.errors import InvalidAddress, QueueDoesNotExist


def queue_url(host: str, account: str, name: str) -> str:
    """The URL of queue ``name`` as a client that addressed ``host`` reaches it."""
    return f"http://{host}/{account}/{name}"


def queue_name(url: str, account: str) -> str:
    """The queue a QueueUrl names: InvalidAddress if it is no URL of a queue, and
    QueueDoesNotExist if it names another account's queue."""
    try:
        path = urlsplit(url).path if "://" in url else url
    except ValueError:
        raise InvalidAddress(f"The address {url[:200]} is not valid for this endpoint.") from None
    parts = [part for part in path.split("/") if part]
    if len(parts) != 2:
        raise InvalidAddress(f"The address {url[:200]} is not valid for this endpoint.")
    owner, name = parts
    if owner != account:
        raise QueueDoesNotExist("The specified queue does not exist.")
    return name
