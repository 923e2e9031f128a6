"""Protobuf <-> MongoDB document mapping shared by every service's api.py and store.py.

Documents keep the proto field names (enums by name, so stored data stays readable), the
resource id as `_id`, and top-level timestamps as BSON dates so they can be queried and sorted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

M = TypeVar("M", bound=Message)


def to_document(message: Message) -> dict[str, Any]:
    document = json_format.MessageToDict(message, preserving_proto_field_name=True)
    for field in message.DESCRIPTOR.fields:
        is_timestamp = field.message_type is Timestamp.DESCRIPTOR and not _is_repeated(field)
        if is_timestamp and field.name in document:
            document[field.name] = from_timestamp(getattr(message, field.name))
    if "id" in document:
        document["_id"] = document.pop("id")
    return document


def from_document(document: dict[str, Any], message_type: type[M]) -> M:
    data = {key: _jsonable(value) for key, value in document.items()}
    if "_id" in data:
        identifier = data.pop("_id")
        if "id" in message_type.DESCRIPTOR.fields_by_name:
            data["id"] = identifier
    return json_format.ParseDict(data, message_type(), ignore_unknown_fields=True)


def to_timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _is_repeated(field: Any) -> bool:
    return bool(field.is_repeated)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    return value
