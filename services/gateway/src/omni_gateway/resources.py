"""Protobuf resources as JSON: proto field names, enums by name, int64 fields as numbers."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

# The largest protobuf int64: a bigger number from a caller is refused, not passed on (a 500).
INT64_MAX = 2**63 - 1
_INT64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_SFIXED64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_FIXED64,
}


def as_json(message: Message) -> dict[str, Any]:
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return _numbers(data, message.DESCRIPTOR)


def list_page(reply: Any, items: str) -> dict[str, Any]:
    """A list reply with its items always present (an empty page is `[]`, not missing)."""
    return {
        items: [as_json(item) for item in getattr(reply, items)],
        "next_page_token": reply.next_page_token,
    }


def _numbers(data: dict[str, Any], descriptor: Descriptor) -> dict[str, Any]:
    # proto3 JSON writes int64 as strings; amounts and counts are plain numbers to our callers.
    for name, value in data.items():
        field = descriptor.fields_by_name.get(name)
        if field is None:
            continue
        if field.type in _INT64:
            data[name] = [int(v) for v in value] if isinstance(value, list) else int(value)
        elif field.message_type is not None and not field.message_type.GetOptions().map_entry:
            nested = field.message_type
            if isinstance(value, list):
                data[name] = [_numbers(v, nested) if isinstance(v, dict) else v for v in value]
            elif isinstance(value, dict):
                data[name] = _numbers(value, nested)
        elif field.message_type is not None and isinstance(value, dict):
            value_field = field.message_type.fields_by_name["value"]
            if value_field.message_type is not None:
                data[name] = {k: _numbers(v, value_field.message_type) for k, v in value.items()}
            elif value_field.type in _INT64:
                data[name] = {k: int(v) for k, v in value.items()}
    return data
