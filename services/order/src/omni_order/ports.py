"""What the order service needs from the outside (catalog, inventory, its own store), as small
interfaces; clients.py and store/ implement them (payments/provider.py is the payment one)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from omni.common.v1 import common_pb2
from omni_kit.errors import FailedPrecondition
from omni_kit.facts import Event
from omni_order.domain.checkout import Shortfall
from omni_order.domain.common import ChannelCurrencies, Price
from omni_order.domain.orders import Delivery, Order
from omni_order.domain.returns import ItemCondition


@dataclass(frozen=True)
class Placement:
    """Units of a SKU at one location (a sourcing plan line or a reservation line)."""

    sku: str
    quantity: int
    location_id: str = ""


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    active: bool
    click_and_collect: bool
    receives_returns: bool


@dataclass(frozen=True)
class PickupStore:
    location_id: str
    name: str
    distance_km: float


class StockShortage(Exception):
    """Not enough stock for an order's lines (inventory refused the reservation).

    `field` is the line of the reservation request inventory named (`lines[2].quantity`), and
    `metadata` its SKU and units."""

    def __init__(
        self, message: str, field: str = "", metadata: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.metadata = dict(metadata or {})

    def refusal(self, what: str, field: str = "") -> FailedPrecondition:
        """The caller's clean refusal: `what` cannot be had from stock, naming `field` or the
        line inventory named."""
        return FailedPrecondition(
            f"{what} ({self})",
            reason="INSUFFICIENT_STOCK",
            field=field or self.field or None,
            metadata=self.metadata,
        )


class Catalog(Protocol):
    async def prices(
        self, channel: common_pb2.ChannelRef, skus: Sequence[str], currency: str = ""
    ) -> dict[str, Price]:
        """Each SKU's price in force on the channel, in `currency` where it is priced in it."""
        ...

    async def currencies(self, channel: common_pb2.ChannelRef) -> ChannelCurrencies: ...


class Inventory(Protocol):
    async def hold(
        self,
        reservation_id: str,
        lines: Sequence[Placement],
        *,
        channel: common_pb2.ChannelRef,
        cart_id: str = "",
        customer_id: str = "",
        seconds: int = 0,
        replaces: Sequence[str] = (),
    ) -> datetime | None:
        """A hold with a time to live (`seconds`, else the cart hold time): when it lapses, or
        None when the id names an earlier hold that holds nothing now (lapsed, replaced) or other
        lines. StockShortage when the stock is not there."""
        ...

    async def release(
        self,
        reservation_id: str,
        lines: Sequence[Placement] = (),
        *,
        key: str = "",
        reason: str = "",
    ) -> None: ...

    async def select_sources(
        self,
        lines: Sequence[Placement],
        delivery: Delivery,
        channel: common_pb2.ChannelRef,
    ) -> list[Placement] | None: ...

    async def reserve_order(
        self,
        reservation_id: str,
        lines: Sequence[Placement],
        *,
        channel: common_pb2.ChannelRef,
        order_id: str,
        customer_id: str,
        replaces: Sequence[str] = (),
    ) -> list[Placement]: ...

    async def reservation(self, reservation_id: str) -> list[Placement] | None: ...

    async def commit(
        self, reservation_id: str, lines: Sequence[Placement], *, key: str, reference: str
    ) -> None: ...

    async def return_to_stock(
        self,
        location_id: str,
        lines: Sequence[tuple[str, int, ItemCondition]],
        *,
        key: str,
        order_id: str,
        return_id: str,
    ) -> None: ...

    async def location(self, location_id: str) -> Location | None: ...

    async def pickup_locations(
        self, near: common_pb2.GeoPoint | None, limit: int
    ) -> list[PickupStore]: ...

    async def pickup_stores(
        self,
        lines: Sequence[Placement],
        channel: common_pb2.ChannelRef,
        near: common_pb2.GeoPoint | None,
        location_id: str = "",
        own: Sequence[Placement] = (),
    ) -> list[PickupStore]: ...

    async def shortfalls(
        self,
        lines: Sequence[Placement],
        channel: common_pb2.ChannelRef,
        location_id: str = "",
        own: Sequence[Placement] = (),
    ) -> list[Shortfall]: ...


class PaymentTimeout(Exception):
    """The provider did not answer in time; whether it acted is unknown."""


@dataclass(frozen=True)
class CheckoutInputs:
    """What the saga needs besides the order: kept in the order document, never shown."""

    payment_token: str = ""
    # The holds the order's reservation replaces: its cart lines', or its import's.
    cart_holds: list[str] = field(default_factory=list)


class Orders(Protocol):
    async def get(self, order_id: str) -> Order: ...

    async def save(self, order: Order, events: Sequence[Event] = ()) -> Order: ...

    async def checkout_inputs(self, order_id: str) -> CheckoutInputs: ...
