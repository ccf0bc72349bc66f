"""The embedded broker: durable queues with SQS semantics in one SQLite file per data_dir.

- :class:`QueueBroker` — the queues themselves, synchronous and thread-safe: the SQLite
  core behind the async :class:`~headrace.broker.storage_seam.QueueStorage` seam
  (:mod:`headrace.broker.queue_storage_thread`, :mod:`headrace.broker.sqlite_queue_storage`,
  which the CLI's ``send`` and ``dlq`` open);
- :class:`EmbeddedBroker` — what ``headrace run`` holds: the broker on its own thread,
  behind the ``QueueStorage`` seam, and wake-ups from other processes (the engine's source
  over a queue is the embedded queue kind's, :mod:`headrace.sources.embedded_queue`);
- :func:`validate_queue_name` — SQS's queue-name rule, for the config validator.
"""

from __future__ import annotations

from headrace.broker.embedded import EmbeddedBroker, EmbeddedBrokerStatistics
from headrace.broker.md5 import md5_of_body, md5_of_message_attributes
from headrace.broker.names import validate_queue_name
from headrace.broker.queue_broker import QueueBroker
from headrace.broker.queue_results import (
    BatchFailure,
    BatchResult,
    BrokerStatistics,
    DeleteEntry,
    PeekedMessage,
    SendBatchSuccess,
    SendEntry,
    SendResult,
    VisibilityEntry,
)
from headrace.broker.wake_socket import WakeSender, wake_address

__all__ = [
    "BatchFailure",
    "BatchResult",
    "BrokerStatistics",
    "DeleteEntry",
    "EmbeddedBroker",
    "EmbeddedBrokerStatistics",
    "PeekedMessage",
    "QueueBroker",
    "SendBatchSuccess",
    "SendEntry",
    "SendResult",
    "VisibilityEntry",
    "WakeSender",
    "md5_of_body",
    "md5_of_message_attributes",
    "validate_queue_name",
    "wake_address",
]
