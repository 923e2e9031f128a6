"""Vouchers as staff see and give them (/staff/v1/promotions/vouchers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from omni.common.v1 import common_pb2
from omni.order.v1 import promotions_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.security.principals import Channel
from omni_gateway.views.common import EnumMap, Money, View, channel_of, money, when_set
from omni_kit.protos import to_timestamp

P = promotions_pb2
Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{3,32}$")]
# 1 to 10000: 1000 is 10 %.
PercentageBasisPoints = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Limit = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
TargetIds = Annotated[
    list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]], msgspec.Meta(max_length=500)
]


class VoucherKind(StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"


class VoucherTarget(StrEnum):
    ORDER = "order"
    PRODUCTS = "products"
    CATEGORIES = "categories"
    VARIANTS = "variants"


VOUCHER_KIND = EnumMap(VoucherKind, P.VoucherKind, "VOUCHER_KIND_")
VOUCHER_TARGET = EnumMap(VoucherTarget, P.VoucherTarget, "VOUCHER_TARGET_")


class Voucher(View):
    id: str
    code: str
    kind: VoucherKind | None
    # A percentage voucher's rate: 1000 is 10 %.
    percentage_basis_points: int
    # A fixed voucher's amount in each currency it can be used in.
    fixed_amounts: list[Money]
    target: VoucherTarget | None
    # The products, categories or SKUs it targets (none for the whole order).
    target_ids: list[str]
    # Empty: every channel.
    channels: list[Channel]
    starts_at: datetime | None
    ends_at: datetime | None
    # The least the goods must cost before discounts, per currency.
    minimum_spend: list[Money]
    # Orders that may carry it in total and per customer (0: no limit); redeemed: those that do.
    usage_limit: int
    usage_limit_per_customer: int
    combinable: bool
    active: bool
    redeemed: int
    version: int
    created_at: datetime | None
    updated_at: datetime | None


class VoucherList(View):
    items: list[Voucher]
    next_page_token: str | None


class NewVoucher(View, kw_only=True):
    code: Code
    kind: VoucherKind
    target: VoucherTarget
    percentage_basis_points: PercentageBasisPoints = 0
    fixed_amounts: list[Money] = []
    target_ids: TargetIds = []
    channels: list[Channel] = []
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minimum_spend: list[Money] = []
    usage_limit: Limit = 0
    usage_limit_per_customer: Limit = 0
    combinable: bool = False
    active: bool = True


class VoucherChanges(View, kw_only=True):
    """The fields to change (the code stays); If-Match carries the version read."""

    kind: VoucherKind | msgspec.UnsetType = msgspec.UNSET
    target: VoucherTarget | msgspec.UnsetType = msgspec.UNSET
    percentage_basis_points: PercentageBasisPoints | msgspec.UnsetType = msgspec.UNSET
    fixed_amounts: list[Money] | msgspec.UnsetType = msgspec.UNSET
    target_ids: TargetIds | msgspec.UnsetType = msgspec.UNSET
    channels: list[Channel] | msgspec.UnsetType = msgspec.UNSET
    starts_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    ends_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    minimum_spend: list[Money] | msgspec.UnsetType = msgspec.UNSET
    usage_limit: Limit | msgspec.UnsetType = msgspec.UNSET
    usage_limit_per_customer: Limit | msgspec.UnsetType = msgspec.UNSET
    combinable: bool | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


def voucher_view(voucher: P.Voucher) -> Voucher:
    return Voucher(
        id=voucher.id,
        code=voucher.code,
        kind=VOUCHER_KIND.public(voucher.kind),
        percentage_basis_points=voucher.percentage_basis_points,
        fixed_amounts=[money(amount) for amount in voucher.fixed_amounts],
        target=VOUCHER_TARGET.public(voucher.target),
        target_ids=list(voucher.target_ids),
        channels=[c for c in (channel_of(number) for number in voucher.channels) if c],
        starts_at=when_set(voucher, "starts_at"),
        ends_at=when_set(voucher, "ends_at"),
        minimum_spend=[money(amount) for amount in voucher.minimum_spend],
        usage_limit=voucher.usage_limit,
        usage_limit_per_customer=voucher.usage_limit_per_customer,
        combinable=voucher.combinable,
        active=voucher.active,
        redeemed=voucher.redeemed,
        version=voucher.version,
        created_at=when_set(voucher, "created_at"),
        updated_at=when_set(voucher, "updated_at"),
    )


def voucher_message(body: NewVoucher | VoucherChanges) -> P.Voucher:
    """The fields the body sets, as the service's Voucher."""
    message = P.Voucher()
    for name in body.__struct_fields__:
        value = getattr(body, name)
        if value is msgspec.UNSET or value is None:
            continue
        if name == "kind":
            message.kind = VOUCHER_KIND.number(value)
        elif name == "target":
            message.target = VOUCHER_TARGET.number(value)
        elif name in ("fixed_amounts", "minimum_spend"):
            getattr(message, name).extend(
                common_pb2.Money(amount_minor=m.amount_minor, currency_code=m.currency)
                for m in value
            )
        elif name == "channels":
            message.channels.extend(SALES_CHANNELS[channel] for channel in value)
        elif name == "target_ids":
            message.target_ids.extend(value)
        elif name in ("starts_at", "ends_at"):
            getattr(message, name).CopyFrom(to_timestamp(value))
        else:
            setattr(message, name, value)
    return message
