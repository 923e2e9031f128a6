"""The declared shape of a domain dataclass's fields, read once: what the store's document mapping
and the API's protobuf mapping walk, so both follow the domain types and nothing else."""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints


@dataclass(frozen=True)
class Shape:
    name: str
    # The value's own type: str, int, bool, float, datetime, an Enum or a dataclass.
    kind: Any
    optional: bool = False  # `X | None`: None when absent
    repeated: bool = False  # `list[X]`
    mapping: bool = False  # `dict[str, X]`
    # What `kind` is, worked out once: every order read and answer asks for each field.
    nested: bool = field(init=False)  # a dataclass
    enum: bool = field(init=False)  # an Enum

    def __post_init__(self) -> None:
        object.__setattr__(self, "nested", dataclasses.is_dataclass(self.kind))
        enum = isinstance(self.kind, type) and issubclass(self.kind, Enum)
        object.__setattr__(self, "enum", enum)


_read: dict[type, tuple[Shape, ...]] = {}


def shapes(cls: type) -> tuple[Shape, ...]:
    if cls not in _read:
        _read[cls] = _shapes_of(cls)
    return _read[cls]


def _shapes_of(cls: type) -> tuple[Shape, ...]:
    hints = get_type_hints(cls)
    found = []
    for declared in dataclasses.fields(cls):
        hint = hints[declared.name]
        optional = False
        if get_origin(hint) in (Union, types.UnionType):
            (hint,) = [arg for arg in get_args(hint) if arg is not type(None)]
            optional = True
        origin = get_origin(hint)
        if origin is list:
            found.append(Shape(declared.name, get_args(hint)[0], repeated=True))
        elif origin is dict:
            found.append(Shape(declared.name, get_args(hint)[1], mapping=True))
        else:
            found.append(Shape(declared.name, hint, optional=optional))
    return tuple(found)
