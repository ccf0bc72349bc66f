"""A table's primary key: checking items and keys against its KeySchema, and the canonical key.

The canonical key is the text that identifies an item in storage and routes its change
records to a shard: the key attributes in KeySchema order (HASH first) as compact DynamoDB
JSON, e.g. ``{"id":{"S":"u1"}}``. Values are normalised first (see
:mod:`~headrace.broker.tables.attribute_values`), so ``{"N": "1.0"}`` and ``{"N": "1"}`` are
one key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headrace.broker.tables.attribute_values import (
    AttributeValue,
    Item,
    normalize_value,
    value_type,
)
from headrace.broker.tables.sizes import value_size
from headrace.config.resources import TableConfig
from headrace.errors import ValidationException

# DynamoDB's limits on key values: a partition key at most 2048 bytes ...
MAX_HASH_KEY_BYTES = 2048
# ... and a sort key at most 1024 bytes.
MAX_RANGE_KEY_BYTES = 1024

_INVALID = "One or more parameter values were invalid: "
_NOT_VALID = "One or more parameter values are not valid. "
_KEY_MISMATCH = "The provided key element does not match the schema"
# What DynamoDB's empty-key message calls each key type's empty value.
_EMPTY_WORDS = {"S": "string", "B": "binary"}


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    """One key attribute: its name, S, N or B, and whether it is the partition (HASH) key."""

    name: str
    attribute_type: str
    is_hash: bool


class TableKeys:
    """The key attributes of one table, from its KeySchema and AttributeDefinitions."""

    def __init__(self, config: TableConfig) -> None:
        types = {d.attribute_name: d.attribute_type for d in config.attribute_definitions}
        self.attributes = tuple(
            KeyAttribute(k.attribute_name, types[k.attribute_name], k.key_type == "HASH")
            for k in config.key_schema
        )
        self.names = frozenset(attribute.name for attribute in self.attributes)

    def describe(self) -> str:
        """The key schema as stored with the table, to notice a changed schema."""
        return json.dumps([[a.name, a.attribute_type, a.is_hash] for a in self.attributes])

    def key_of_item(self, item: Mapping[str, AttributeValue]) -> Item:
        """The key of a (normalised) item for PutItem; ValidationException as DynamoDB words it.

        Missing key attributes, a key of the wrong type, an empty string or binary key and an
        over-long key are refused.
        """
        key: Item = {}
        for attribute in self.attributes:
            value = item.get(attribute.name)
            if value is None:
                raise ValidationException(f"{_INVALID}Missing the key {attribute.name} in the item")
            actual = value_type(value)
            if actual != attribute.attribute_type:
                raise ValidationException(
                    f"{_INVALID}Type mismatch for key {attribute.name} expected: "
                    f"{attribute.attribute_type} actual: {actual}"
                )
            key[attribute.name] = value
        self._check_values(key)
        return key

    def check_key(self, key: Any) -> Item:
        """A Key parameter (GetItem, DeleteItem, UpdateItem), normalised.

        It must hold exactly the key attributes with their types, else ValidationException
        ``The provided key element does not match the schema``.
        """
        if not isinstance(key, Mapping) or set(key) != self.names:
            raise ValidationException(_KEY_MISMATCH)
        checked: Item = {}
        for attribute in self.attributes:
            value = normalize_value(key[attribute.name])
            if value_type(value) != attribute.attribute_type:
                raise ValidationException(_KEY_MISMATCH)
            checked[attribute.name] = value
        self._check_values(checked)
        return checked

    def canonical(self, key: Mapping[str, AttributeValue]) -> str:
        """The canonical text of a checked key (see the module docstring)."""
        ordered = {a.name: key[a.name] for a in self.attributes}
        return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)

    def partition_prefix(self, partition: AttributeValue) -> str:
        """The start every canonical key of one partition shares (a table with a sort key):
        ``{"pk":{"S":"a"},`` -- the comma ends it, so partition "a" is not a prefix of "ab"."""
        hash_name = next(a.name for a in self.attributes if a.is_hash)
        whole = json.dumps({hash_name: partition}, separators=(",", ":"), ensure_ascii=False)
        return whole[:-1] + ","

    def _check_values(self, key: Mapping[str, AttributeValue]) -> None:
        for attribute in self.attributes:
            value = key[attribute.name]
            ((kind, data),) = value.items()
            if data == "":
                raise ValidationException(
                    f"{_NOT_VALID}The AttributeValue for a key attribute cannot contain an "
                    f"empty {_EMPTY_WORDS[kind]} value. Key: {attribute.name}"
                )
            size = value_size(value)
            if attribute.is_hash and size > MAX_HASH_KEY_BYTES:
                raise ValidationException(
                    f"{_INVALID}Size of hashkey has exceeded the maximum size limit of"
                    f"{MAX_HASH_KEY_BYTES} bytes"
                )
            if not attribute.is_hash and size > MAX_RANGE_KEY_BYTES:
                raise ValidationException(
                    f"{_INVALID}Aggregated size of all range keys has exceeded the size limit "
                    f"of {MAX_RANGE_KEY_BYTES} bytes"
                )
