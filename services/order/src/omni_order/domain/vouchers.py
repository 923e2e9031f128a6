"""Voucher rules: what a voucher may be, when a cart may use it, and its discount per line.

The split (docs/api.md, "Vouchers"): a voucher's discount is worked out on the sum of the lines
it targets (a percentage rounded half up, a fixed amount at most that sum), then shared over
those lines in proportion to their amounts, each share rounded down; the units left over go one
each to the lines with the largest remainders (ties: the earlier line). The shares add up to the
discount exactly and none exceeds its line. Vouchers apply one after another, each on what the
previous ones left."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_order.domain.tax import WHOLE, half_up
from omni_order.domain.values import Money, SalesChannel

CODE = re.compile(r"^[A-Z0-9_-]{3,32}$")
# The largest amount a voucher may name (minor units): beyond any basket, far below int64.
MAX_AMOUNT = 10**12
MAX_LIMIT = 10**9


class VoucherKind(Enum):
    UNSPECIFIED = "VOUCHER_KIND_UNSPECIFIED"
    PERCENTAGE = "VOUCHER_KIND_PERCENTAGE"
    FIXED = "VOUCHER_KIND_FIXED"


class VoucherTarget(Enum):
    UNSPECIFIED = "VOUCHER_TARGET_UNSPECIFIED"
    ORDER = "VOUCHER_TARGET_ORDER"
    PRODUCTS = "VOUCHER_TARGET_PRODUCTS"
    CATEGORIES = "VOUCHER_TARGET_CATEGORIES"
    VARIANTS = "VOUCHER_TARGET_VARIANTS"


@dataclass(frozen=True)
class Voucher:
    id: str = ""
    code: str = ""
    kind: VoucherKind = VoucherKind.UNSPECIFIED
    percentage_basis_points: int = 0
    fixed_amounts: list[Money] = field(default_factory=list)
    target: VoucherTarget = VoucherTarget.UNSPECIFIED
    target_ids: list[str] = field(default_factory=list)
    channels: list[SalesChannel] = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minimum_spend: list[Money] = field(default_factory=list)
    usage_limit: int = 0
    usage_limit_per_customer: int = 0
    combinable: bool = False
    active: bool = False
    redeemed: int = 0
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def amount_in(self, currency: str) -> Money | None:
        return next((m for m in self.fixed_amounts if m.currency_code == currency), None)

    def minimum_in(self, currency: str) -> int:
        return next((m.amount_minor for m in self.minimum_spend if m.currency_code == currency), 0)


@dataclass(frozen=True)
class DiscountLine:
    """A line as a voucher sees it: what it costs before this voucher, and what it is."""

    key: str
    amount: int
    product_id: str = ""
    sku: str = ""
    category_ids: tuple[str, ...] = ()


def normal_code(code: str) -> str:
    return code.strip().upper()


def require_voucher(voucher: Voucher, sold_in: Sequence[str] | None = None) -> Voucher:
    """A voucher as staff gave it, field by field. `sold_in`: the currencies its channels
    sell in (a fixed amount or a minimum in another currency could never be used)."""
    if not CODE.match(voucher.code):
        raise InvalidArgument(
            f"code {voucher.code!r} must be 3 to 32 letters, digits, '-' or '_'",
            field="voucher.code",
        )
    if voucher.kind is VoucherKind.PERCENTAGE:
        if not 0 < voucher.percentage_basis_points <= WHOLE:
            raise InvalidArgument(
                "percentage_basis_points must be 1 to 10000 (0.01 % to 100 %), "
                f"got {voucher.percentage_basis_points}",
                field="voucher.percentage_basis_points",
            )
        if voucher.fixed_amounts:
            raise InvalidArgument(
                "a percentage voucher has no fixed_amounts", field="voucher.fixed_amounts"
            )
    elif voucher.kind is VoucherKind.FIXED:
        if not voucher.fixed_amounts:
            raise InvalidArgument(
                "a fixed voucher needs an amount in at least one currency",
                field="voucher.fixed_amounts",
            )
        if voucher.percentage_basis_points:
            raise InvalidArgument(
                "a fixed voucher has no percentage", field="voucher.percentage_basis_points"
            )
        _require_amounts(voucher.fixed_amounts, "voucher.fixed_amounts", sold_in, positive=True)
    else:
        raise InvalidArgument("kind must be percentage or fixed", field="voucher.kind")
    _require_amounts(voucher.minimum_spend, "voucher.minimum_spend", sold_in, positive=False)
    if voucher.target is VoucherTarget.UNSPECIFIED:
        raise InvalidArgument(
            "target must be order, products, categories or variants", field="voucher.target"
        )
    if voucher.target is VoucherTarget.ORDER and voucher.target_ids:
        raise InvalidArgument(
            "a voucher on the order has no target_ids", field="voucher.target_ids"
        )
    if voucher.target is not VoucherTarget.ORDER and not any(voucher.target_ids):
        raise InvalidArgument(
            f"a voucher on {voucher.target.name.lower()} needs target_ids",
            field="voucher.target_ids",
        )
    if SalesChannel.UNSPECIFIED in voucher.channels:
        raise InvalidArgument("channels has an unknown channel", field="voucher.channels")
    if voucher.starts_at and voucher.ends_at and voucher.ends_at <= voucher.starts_at:
        raise InvalidArgument("ends_at must be after starts_at", field="voucher.ends_at")
    for name in ("usage_limit", "usage_limit_per_customer"):
        value = getattr(voucher, name)
        if not 0 <= value <= MAX_LIMIT:
            raise InvalidArgument(
                f"{name} must be 0 (no limit) to {MAX_LIMIT}, got {value}", field=f"voucher.{name}"
            )
    return voucher


def _require_amounts(
    amounts: Sequence[Money], field_name: str, sold_in: Sequence[str] | None, *, positive: bool
) -> None:
    seen: set[str] = set()
    for index, amount in enumerate(amounts):
        where = f"{field_name}[{index}]"
        if not re.match(r"^[A-Z]{3}$", amount.currency_code):
            raise InvalidArgument(
                f"{where}.currency_code must be an ISO 4217 code like 'EUR'",
                field=f"{where}.currency_code",
            )
        if sold_in is not None and amount.currency_code not in sold_in:
            raise InvalidArgument(
                f"{where}: the voucher's channels do not sell in {amount.currency_code} "
                f"(they sell in {', '.join(sold_in) or 'nothing yet'})",
                reason="CURRENCY_NOT_SOLD",
                field=f"{where}.currency_code",
            )
        if amount.currency_code in seen:
            raise InvalidArgument(
                f"{where}: {amount.currency_code} is given twice", field=f"{where}.currency_code"
            )
        seen.add(amount.currency_code)
        low = 1 if positive else 0
        if not low <= amount.amount_minor <= MAX_AMOUNT:
            raise InvalidArgument(
                f"{where}.amount_minor must be {low} to {MAX_AMOUNT}, got {amount.amount_minor}",
                field=f"{where}.amount_minor",
            )


def refusal(voucher_code: str, message: str, reason: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"voucher {voucher_code}: {message}",
        reason=reason,
        field="code",
        metadata={"voucher_code": voucher_code},
    )


def customer_limit_refusal(voucher: Voucher) -> FailedPrecondition:
    limit = voucher.usage_limit_per_customer
    return refusal(
        voucher.code,
        f"can be used {limit} time(s) per customer, and this customer has",
        "VOUCHER_CUSTOMER_LIMIT",
    )


def needs_customer_refusal(voucher: Voucher) -> FailedPrecondition:
    return refusal(voucher.code, "is for signed-in customers", "VOUCHER_NEEDS_CUSTOMER")


def require_usable(
    voucher: Voucher,
    *,
    channel: SalesChannel,
    currency: str,
    goods: int,
    now: datetime,
    others: Sequence[Voucher] = (),
) -> None:
    """May a cart on `channel` in `currency` whose goods cost `goods` use the voucher now?"""
    code = voucher.code
    if not voucher.active:
        raise refusal(code, "is no longer valid", "VOUCHER_INACTIVE")
    if voucher.starts_at and now < voucher.starts_at:
        when = voucher.starts_at.isoformat()
        raise refusal(code, f"is not valid yet (from {when})", "VOUCHER_NOT_STARTED")
    if voucher.ends_at and now >= voucher.ends_at:
        raise refusal(code, f"expired at {voucher.ends_at.isoformat()}", "VOUCHER_EXPIRED")
    if voucher.channels and channel not in voucher.channels:
        raise refusal(
            code, f"cannot be used on the {channel.name.lower()} channel", "VOUCHER_NOT_ON_CHANNEL"
        )
    if voucher.kind is VoucherKind.FIXED and voucher.amount_in(currency) is None:
        raise refusal(code, f"cannot be used in {currency}", "VOUCHER_NOT_IN_CURRENCY")
    minimum = voucher.minimum_in(currency)
    if goods < minimum:
        raise refusal(
            code,
            f"needs goods of at least {minimum} {currency} (minor units), the cart has {goods}",
            "VOUCHER_MINIMUM_SPEND",
        )
    if voucher.usage_limit and voucher.redeemed >= voucher.usage_limit:
        raise refusal(code, "has been used up", "VOUCHER_USED_UP")
    for other in others:
        if not (voucher.combinable and other.combinable):
            raise refusal(
                code,
                f"cannot be combined with voucher {other.code}",
                "VOUCHER_NOT_COMBINABLE",
            )


def targets(voucher: Voucher, line: DiscountLine) -> bool:
    wanted = set(voucher.target_ids)
    if voucher.target is VoucherTarget.ORDER:
        return True
    if voucher.target is VoucherTarget.PRODUCTS:
        return line.product_id in wanted
    if voucher.target is VoucherTarget.VARIANTS:
        return line.sku in wanted
    return bool(wanted.intersection(line.category_ids))


def discount_of(voucher: Voucher, base: int, currency: str) -> int:
    if voucher.kind is VoucherKind.PERCENTAGE:
        return min(base, half_up(base * voucher.percentage_basis_points, WHOLE))
    fixed = voucher.amount_in(currency)
    return min(base, fixed.amount_minor if fixed else 0)


def split(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` shared in proportion to `weights` (largest remainders; see the module doc)."""
    base = sum(weights)
    if base <= 0 or amount <= 0:
        return [0] * len(weights)
    shares = [amount * weight // base for weight in weights]
    remainders = [amount * weight % base for weight in weights]
    left = amount - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return shares


def discounts(
    vouchers: Sequence[Voucher], lines: Sequence[DiscountLine], currency: str
) -> dict[str, int]:
    """Each line's discount from the vouchers, applied in order; lines none targets get 0."""
    left = {line.key: line.amount for line in lines}
    taken = dict.fromkeys(left, 0)
    for voucher in vouchers:
        chosen = [line for line in lines if targets(voucher, line)]
        weights = [left[line.key] for line in chosen]
        amount = discount_of(voucher, sum(weights), currency)
        for line, share in zip(chosen, split(amount, weights), strict=True):
            left[line.key] -= share
            taken[line.key] += share
    return taken
