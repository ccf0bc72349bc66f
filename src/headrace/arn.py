"""ARNs: parse and build the ARNs headrace deals with.

Only what headrace needs: SQS queues, Kinesis streams, DynamoDB tables and streams, Lambda
functions and event source mappings. Parsing never raises on a well-formed ARN of another
service; :func:`parse` returns ``None`` for text that is not an ARN at all.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"


@dataclass(frozen=True, slots=True)
class Arn:
    """The six parts of an ARN; ``resource`` is everything after the fifth colon."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_name(self) -> str:
        """The resource's own name: ``orders`` for a queue, ``clicks`` for ``stream/clicks``."""
        if self.service == "sqs":
            return self.resource
        parts = self.resource.split("/")
        return parts[1] if len(parts) > 1 else parts[0]


def parse(text: str) -> Arn | None:
    """Split an ARN into its parts, or return None if ``text`` is not an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def sqs_queue(region: str, account: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def kinesis_stream(region: str, account: str, name: str) -> str:
    return f"arn:aws:kinesis:{region}:{account}:stream/{name}"


def dynamodb_table(region: str, account: str, name: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def lambda_function(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def event_source_mapping(region: str, account: str, uuid: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:event-source-mapping:{uuid}"


def queue_url(region: str, account: str, name: str) -> str:
    """The QueueUrl SQS would give this queue (used in messages and status)."""
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"
