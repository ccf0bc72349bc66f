"""Item sizes as DynamoDB counts them: the 400 KB item limit and a change record's SizeBytes.

The rules are DynamoDB's ("Item sizes and formats"): an attribute is its name's UTF-8 bytes
plus its value's size; strings count their UTF-8 bytes, binary its raw bytes, a number one
byte per two significant digits plus one, BOOL and NULL one byte; a set is the sum of its
members; a list or map is 3 bytes plus its elements (a map's with their names) plus one byte
per element. A change record's ``SizeBytes`` is the size of its Keys plus its images, which
matches every record recorded from AWS (e.g. 20, 32 and 46 bytes in the DynamoDB snapshot).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal

from headrace.broker.tables.attribute_values import AttributeValue, significant_digits

# DynamoDB's item size limit: 400 KB, names and values together.
MAX_ITEM_BYTES = 400 * 1024
# Lists and maps cost 3 bytes whatever they hold ...
_DOCUMENT_OVERHEAD = 3
# ... and each element one more.
_ELEMENT_OVERHEAD = 1
# BOOL and NULL values take one byte.
_FLAG_BYTES = 1


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """The size of an item (or a key, or an image): the sum of its attributes."""
    return sum(_text_size(name) + value_size(value) for name, value in item.items())


def value_size(value: AttributeValue) -> int:
    """The size of one normalised attribute value, without its name."""
    ((kind, data),) = value.items()
    if kind == "S":
        return _text_size(data)
    if kind == "N":
        return number_size(data)
    if kind == "B":
        return len(base64.b64decode(data))
    if kind in ("BOOL", "NULL"):
        return _FLAG_BYTES
    if kind == "SS":
        return sum(_text_size(member) for member in data)
    if kind == "NS":
        return sum(number_size(member) for member in data)
    if kind == "BS":
        return sum(len(base64.b64decode(member)) for member in data)
    if kind == "M":
        return _DOCUMENT_OVERHEAD + sum(
            _text_size(name) + value_size(member) + _ELEMENT_OVERHEAD
            for name, member in data.items()
        )
    return _DOCUMENT_OVERHEAD + sum(value_size(member) + _ELEMENT_OVERHEAD for member in data)


def number_size(text: str) -> int:
    """One byte per two significant digits, plus one (leading and trailing zeros trimmed)."""
    digits = significant_digits(Decimal(text))
    return (digits + 1) // 2 + 1


def record_size(
    keys: Mapping[str, AttributeValue],
    new_image: Mapping[str, AttributeValue] | None,
    old_image: Mapping[str, AttributeValue] | None,
) -> int:
    """A change record's ``SizeBytes``: its Keys plus whichever images it carries."""
    images = (image for image in (new_image, old_image) if image is not None)
    return item_size(keys) + sum(item_size(image) for image in images)


def _text_size(text: str) -> int:
    return len(text.encode("utf-8"))
