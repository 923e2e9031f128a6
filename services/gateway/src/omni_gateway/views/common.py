"""What every view shares: money, public enums mapped from protobuf enums, and times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import msgspec
from google.protobuf.timestamp_pb2 import Timestamp

from omni.common.v1 import common_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.security.principals import Channel

if TYPE_CHECKING:  # the generated enums' type (their values are distinct int types)
    from google.protobuf.internal.enum_type_wrapper import _EnumTypeWrapper

# The largest protobuf int64: a bigger number from a caller is refused, not passed on (a 500).
INT64_MAX = 2**63 - 1
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
V = TypeVar("V", bound=int)  # a protobuf enum's value type

if TYPE_CHECKING:  # the generic wrapper generated enum stubs declare as their metaclass
    from google.protobuf.internal.enum_type_wrapper import _EnumTypeWrapper


class View(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every public view and request body: a closed object (unknown fields refused on
    the way in, none added on the way out). A subclass that puts a required field after an
    optional one says `kw_only=True`."""


def or_default(value: T | msgspec.UnsetType, default: T) -> T:
    """A change body's field, or `default` when the body leaves it out."""
    return default if isinstance(value, msgspec.UnsetType) else value


def named_fields(body: msgspec.Struct) -> list[str]:
    """The fields a change body sets (it leaves the others UNSET), `version` aside: a change's
    update mask."""
    return [
        name
        for name in body.__struct_fields__
        if name != "version" and getattr(body, name) is not msgspec.UNSET
    ]


class Money(View):
    amount_minor: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]


def money(value: common_pb2.Money) -> Money:
    return Money(amount_minor=value.amount_minor, currency=value.currency_code)


def money_or_none(holder: Any, field: str) -> Money | None:
    """The money field of a message, or None when it is unset."""
    return money(getattr(holder, field)) if holder.HasField(field) else None


def to_proto_money(value: Money | None) -> common_pb2.Money | None:
    if value is None:
        return None
    return common_pb2.Money(amount_minor=value.amount_minor, currency_code=value.currency)


class EnumMap(Generic[E, V]):
    """A public enum declared in a view module, tied to the protobuf enum it stands for:
    `ORDER_STATUS_CONFIRMED` is `confirmed`. Declared by hand, so a new internal value never
    reaches the public API by itself: the two must name the same values (UNSPECIFIED aside, an
    unset field is left out) or the gateway does not start."""

    def __init__(
        self,
        public: type[E],
        proto: _EnumTypeWrapper[V],
        prefix: str,
        shown_as: Mapping[str, E] | None = None,
    ) -> None:
        """`shown_as`: internal values added after a release, each shown as a released public
        value (a new enum value in a response would break the released contract)."""
        shown_as = dict(shown_as or {})
        internal = {
            label.removeprefix(prefix).lower(): number
            for label, number in proto.items()
            if not label.endswith("_UNSPECIFIED")
        }
        declared = {member.value for member in public}
        if declared != set(internal) - set(shown_as):
            raise TypeError(
                f"{public.__name__} must name exactly {sorted(set(internal) - set(shown_as))}, "
                f"not {sorted(declared)}"
            )
        self._numbers = {public(name): internal[name] for name in declared}
        self._members: dict[int, E] = {n: member for member, n in self._numbers.items()}
        self._members |= {internal[name]: member for name, member in shown_as.items()}

    def public(self, number: int) -> E | None:
        """The public member of a protobuf number; None for UNSPECIFIED or a value this gateway
        does not know yet (a newer service)."""
        return self._members.get(number)

    def number(self, member: E) -> V:
        """The protobuf number of a public member (a request going in)."""
        return self._numbers[member]


_CHANNELS: dict[int, Channel] = {number: channel for channel, number in SALES_CHANNELS.items()}


def channel_of(number: int) -> Channel | None:
    """The public sales channel (`web`, `pos`...) of a protobuf SalesChannel."""
    return _CHANNELS.get(number)


def when(stamp: Timestamp) -> datetime:
    """A protobuf timestamp as an aware UTC datetime (RFC 3339 with `Z` in JSON)."""
    return stamp.ToDatetime(tzinfo=UTC)


def when_set(holder: Any, field: str) -> datetime | None:
    """The timestamp field of a message, or None when it is unset."""
    return when(getattr(holder, field)) if holder.HasField(field) else None
