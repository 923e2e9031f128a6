"""Domain objects <-> stored documents, and versioned saves with optimistic concurrency.

The stored shape, at every depth: keys are the domain field names (the top-level `id` is `_id`);
integers are numbers, money is `{amount_minor, currency_code}`, times are BSON dates, enums are
stored by their value (`ORDER_STATUS_CONFIRMED`). Empty values are left out (an empty string, 0,
false, an empty list or map, an `_UNSPECIFIED` enum, an optional part that is None); a part that
is always there is written even when empty. This is the shape the order service has always
stored, so no migration moves it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Protocol, TypeVar

from google.protobuf.message import Message
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from omni_kit.errors import Conflict
from omni_kit.protos import to_document as message_document
from omni_order.shapes import Shape, shapes

T = TypeVar("T")


class Versioned(Protocol):
    id: str
    version: int


def to_document(value: Any) -> dict[str, Any]:
    document = _encode(value)
    if "id" in document:
        document["_id"] = document.pop("id")
    return document


def from_document(document: Mapping[str, Any], cls: type[T]) -> T:
    """The `cls` stored in `document`; keys that are not its fields are ignored."""
    data = dict(document)
    if "_id" in data:
        data["id"] = data.pop("_id")
    return _decode(data, cls)


def _encode(value: Any) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for shape in shapes(type(value)):
        item = getattr(value, shape.name)
        if shape.repeated:
            if item:
                document[shape.name] = [_encode_value(shape, element) for element in item]
        elif shape.mapping:
            if item:
                document[shape.name] = {key: _encode_value(shape, v) for key, v in item.items()}
        elif shape.nested and not shape.optional:
            document[shape.name] = _encode(item)
        elif not _empty(item):
            document[shape.name] = _encode_value(shape, item)
    return document


def _empty(item: Any) -> bool:
    if isinstance(item, Enum):
        return str(item.value).endswith("_UNSPECIFIED")
    return item is None or (not isinstance(item, datetime) and not item)


def _encode_value(shape: Shape, item: Any) -> Any:
    if shape.nested:
        return _encode(item)
    if isinstance(item, Enum):
        return item.value
    return item


# An enum value this code does not know (written by a newer version) reads as the field's default,
# as `omni_kit.protos.from_document` reads it.
_UNKNOWN = object()


def _decode(data: Mapping[str, Any], cls: type[T]) -> T:
    values: dict[str, Any] = {}
    for shape in shapes(cls):
        item = data.get(shape.name)
        if item is None:
            continue
        if shape.repeated:
            decoded = [_decode_value(shape, element) for element in item]
            values[shape.name] = [element for element in decoded if element is not _UNKNOWN]
        elif shape.mapping:
            values[shape.name] = {key: _decode_value(shape, v) for key, v in item.items()}
        elif (value := _decode_value(shape, item)) is not _UNKNOWN:
            values[shape.name] = value
    return cls(**values)


def _decode_value(shape: Shape, item: Any) -> Any:
    kind = shape.kind
    if shape.nested:
        return _decode(item, kind)
    if shape.enum:
        try:
            return kind(item)
        except ValueError:
            return _UNKNOWN
    if kind is int:
        return int(item)
    return item


async def save_version(
    collection: AsyncCollection[dict[str, Any]],
    resource: Versioned | Message,
    extra: dict[str, Any],
    session: AsyncClientSession | None = None,
) -> None:
    """Write `resource` (whose `version` is the one being written) over the previous version."""
    if isinstance(resource, Message):
        document = message_document(resource) | extra
        names = [field.name for field in resource.DESCRIPTOR.fields]
    else:
        document = to_document(resource) | extra
        names = [field.name for field in dataclasses.fields(resource)]  # type: ignore[arg-type]
    document.pop("_id")
    missing = {name: "" for name in names if name != "id" and name not in document}
    update: dict[str, Any] = {"$set": document}
    if missing:
        update["$unset"] = missing
    resource_id: str = resource.id  # type: ignore[union-attr]
    version: int = resource.version  # type: ignore[union-attr]
    result = await collection.update_one(
        {"_id": resource_id, "version": version - 1}, update, session=session
    )
    if result.matched_count != 1:
        raise Conflict(
            f"{resource_id} was changed by someone else meanwhile; reload it and try again",
            reason="CONCURRENT_CHANGE",
        )
