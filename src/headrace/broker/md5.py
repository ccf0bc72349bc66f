"""The digests SQS returns with every message: MD5 of the body and of the message attributes.

The attribute digest follows SQS's documented algorithm, so clients that verify
``MD5OfMessageAttributes`` (the AWS SDKs do) accept headrace's values: for each attribute,
sorted by name, the length-prefixed UTF-8 name, the length-prefixed data type, one transport
byte (1 for String and Number, 2 for Binary) and the length-prefixed value.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping

from headrace.events import MessageAttributeValue

# Transport type bytes of SQS's attribute digest: string-valued and binary-valued types.
_STRING_TRANSPORT = b"\x01"
_BINARY_TRANSPORT = b"\x02"
# Every length in the digest input is a 4-byte big-endian unsigned integer.
_LENGTH = struct.Struct(">I")


def md5_of_body(body: str) -> str:
    """Hex MD5 of the body's UTF-8 bytes (SQS's ``MD5OfMessageBody``)."""
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def md5_of_message_attributes(attributes: Mapping[str, MessageAttributeValue]) -> str | None:
    """Hex MD5 of the message attributes with SQS's algorithm; None when there are none."""
    if not attributes:
        return None
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        digest.update(_prefixed(name.encode("utf-8")))
        digest.update(_prefixed(value.data_type.encode("utf-8")))
        if value.data_type.startswith("Binary"):
            digest.update(_BINARY_TRANSPORT)
            digest.update(_prefixed(value.binary_value or b""))
        else:
            digest.update(_STRING_TRANSPORT)
            digest.update(_prefixed((value.string_value or "").encode("utf-8")))
    return digest.hexdigest()


def _prefixed(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data
