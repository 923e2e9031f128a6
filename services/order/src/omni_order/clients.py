"""The catalog and inventory as the order service uses them (gRPC adapters of ports.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import grpc
from google.protobuf.duration_pb2 import Duration

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.order.v1 import order_pb2
from omni_kit.errors import DomainError, Unavailable, error_details
from omni_kit.idempotency import call_metadata
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp
from omni_order.domain.checkout import Shortfall
from omni_order.domain.common import ChannelCurrencies, Price
from omni_order.domain.orders import Delivery
from omni_order.domain.returns import ItemCondition
from omni_order.domain.tax import TaxClass
from omni_order.messages import member, to_message
from omni_order.ports import Location, PickupStore, Placement, StockShortage

R = TypeVar("R")
CALLER = "service:order"
DOWN = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
# Not enough stock, or none of that SKU known anywhere (nothing was ever received).
SHORT = {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND}
INV = inventory_pb2
HOLDING = {INV.RESERVATION_STATUS_ACTIVE, INV.RESERVATION_STATUS_PARTIALLY_COMMITTED}


class DownstreamError(DomainError):
    """A refusal from the catalog or inventory, passed on with its status and reason."""

    def __init__(self, error: grpc.aio.AioRpcError, what: str) -> None:
        details = error_details(error)
        super().__init__(
            f"{what}: {details.message}", reason=details.reason or None, metadata=details.metadata
        )
        self.code = error.code()
        # The field of the downstream request: only its caller knows what it means upstream.
        self.downstream_field = details.field or ""


async def call(method: Callable[..., Awaitable[R]], request: Any, what: str, key: str = "") -> R:
    """A downstream call; the service being down or slow becomes UNAVAILABLE naming it. A change
    that must happen once carries its idempotency key."""
    metadata = call_metadata(key, CALLER) if key else None
    try:
        return await method(request, metadata=metadata)
    except grpc.aio.AioRpcError as error:
        if error.code() in DOWN:
            raise Unavailable(f"{what} is not reachable right now; try again shortly") from None
        raise DownstreamError(error, what) from None


class CatalogClient:
    def __init__(self, stub: catalog_pb2_grpc.CatalogServiceAsyncStub) -> None:
        self.stub = stub

    async def prices(
        self, channel: common_pb2.ChannelRef, skus: Sequence[str], currency: str = ""
    ) -> dict[str, Price]:
        request = catalog_pb2.GetPricesRequest(
            channel=_listing_channel(channel), skus=sorted(set(skus)), currency_code=currency
        )
        reply = await call(self.stub.GetPrices, request, "the catalog")
        return {
            price.sku: Price(
                sku=price.sku,
                product_id=price.product_id,
                product_name=price.product_name,
                amount_minor=price.effective_price.amount_minor,
                currency_code=price.effective_price.currency_code,
                listing_version=price.listing_version,
                published=price.published,
                weight_grams=price.weight_grams,
                sides_mm=(price.length_mm, price.width_mm, price.height_mm),
                tax_class=member(TaxClass, common_pb2.TaxClass.DESCRIPTOR, price.tax_class),
                category_ids=tuple(price.category_ids),
            )
            for price in reply.prices
        }

    async def currencies(self, channel: common_pb2.ChannelRef) -> ChannelCurrencies:
        request = catalog_pb2.GetChannelCurrenciesRequest(channel=_listing_channel(channel))
        reply = await call(self.stub.GetChannelCurrencies, request, "the catalog")
        return ChannelCurrencies(
            tuple(reply.currencies.currency_codes), restricted=reply.currencies.version > 0
        )


def _listing_channel(channel: common_pb2.ChannelRef) -> common_pb2.ChannelRef:
    """Listings are per channel (and partner), not per store."""
    return common_pb2.ChannelRef(channel=channel.channel, partner_id=channel.partner_id)


def _quantities(lines: Sequence[Placement]) -> list[inventory_pb2.StockQuantity]:
    return [
        INV.StockQuantity(sku=p.sku, quantity=p.quantity, location_id=p.location_id) for p in lines
    ]


def _placements(reservation: inventory_pb2.Reservation) -> list[Placement]:
    """The units a reservation still holds, per SKU and location."""
    return [
        Placement(line.sku, held, line.location_id)
        for line in reservation.lines
        if (held := line.quantity - line.committed_quantity - line.released_quantity) > 0
    ]


class InventoryClient:
    def __init__(
        self, stub: inventory_pb2_grpc.InventoryServiceAsyncStub, hold_seconds: int
    ) -> None:
        self.stub = stub
        self.hold_seconds = hold_seconds

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
        ttl = seconds or self.hold_seconds
        request = INV.ReserveStockRequest(
            kind=INV.RESERVATION_KIND_CART_HOLD,
            ttl=Duration(seconds=ttl),
            owner=INV.ReservationOwner(cart_id=cart_id, customer_id=customer_id),
        )
        try:
            reply = await self._reserve(request, reservation_id, lines, channel, replaces)
        except DownstreamError as error:
            if error.code == grpc.StatusCode.ALREADY_EXISTS:
                return None
            raise
        if reply.reservation.status not in HOLDING:
            return None
        expires = reply.reservation.expires_at
        if expires.seconds:
            return from_timestamp(expires)
        return utcnow() + timedelta(seconds=ttl)

    async def release(
        self,
        reservation_id: str,
        lines: Sequence[Placement] = (),
        *,
        key: str = "",
        reason: str = "",
    ) -> None:
        request = INV.ReleaseReservationRequest(
            reservation_id=reservation_id, lines=_quantities(lines), reason=reason
        )
        try:
            await call(self.stub.ReleaseReservation, request, "the inventory", key)
        except DownstreamError as error:
            # Gone already (expired hold, never made): nothing is held, which is what we want.
            if error.code != grpc.StatusCode.NOT_FOUND:
                raise

    async def select_sources(
        self,
        lines: Sequence[Placement],
        delivery: Delivery,
        channel: common_pb2.ChannelRef,
    ) -> list[Placement] | None:
        wanted = to_message(delivery, order_pb2.Delivery)
        request = INV.SelectSourcesRequest(
            lines=_quantities(lines),
            delivery_mode=wanted.mode,
            pickup_location_id=wanted.pickup_location_id,
            delivery_geo=wanted.geo,
            delivery_address=wanted.address,
            channel=channel,
            allow_split=True,
        )
        plan = (await call(self.stub.SelectSources, request, "the inventory")).plan
        if not plan.complete:
            return None
        return [
            Placement(line.sku, line.quantity, shipment.location_id)
            for shipment in plan.shipments
            for line in shipment.lines
        ]

    async def reserve_order(
        self,
        reservation_id: str,
        lines: Sequence[Placement],
        *,
        channel: common_pb2.ChannelRef,
        order_id: str,
        customer_id: str,
        replaces: Sequence[str] = (),
    ) -> list[Placement]:
        request = INV.ReserveStockRequest(
            kind=INV.RESERVATION_KIND_ORDER,
            owner=INV.ReservationOwner(order_id=order_id, customer_id=customer_id),
        )
        reply = await self._reserve(request, reservation_id, lines, channel, replaces)
        return _placements(reply.reservation)

    async def _reserve(
        self,
        request: inventory_pb2.ReserveStockRequest,
        reservation_id: str,
        lines: Sequence[Placement],
        channel: common_pb2.ChannelRef,
        replaces: Sequence[str],
    ) -> inventory_pb2.ReserveStockResponse:
        request.reservation_id = reservation_id
        request.lines.extend(_quantities(lines))
        request.channel.CopyFrom(channel)
        request.allow_split = True
        request.replaces_reservation_ids.extend(replaces)
        try:
            # No key: the reservation's id is its identity (a second create is ALREADY_EXISTS).
            return await call(self.stub.ReserveStock, request, "the inventory")
        except DownstreamError as error:
            if error.code not in SHORT:
                raise
            raise StockShortage(error.message, error.downstream_field, error.metadata) from None

    async def reservation(self, reservation_id: str) -> list[Placement] | None:
        request = INV.GetReservationRequest(reservation_id=reservation_id)
        try:
            reply = await call(self.stub.GetReservation, request, "the inventory")
        except DownstreamError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return _placements(reply.reservation)

    async def commit(
        self, reservation_id: str, lines: Sequence[Placement], *, key: str, reference: str
    ) -> None:
        request = INV.CommitReservationRequest(
            reservation_id=reservation_id, lines=_quantities(lines), reference=reference
        )
        await call(self.stub.CommitReservation, request, "the inventory", key)

    async def return_to_stock(
        self,
        location_id: str,
        lines: Sequence[tuple[str, int, ItemCondition]],
        *,
        key: str,
        order_id: str,
        return_id: str,
    ) -> None:
        request = INV.ReturnToStockRequest(
            location_id=location_id,
            lines=[
                INV.ReturnLine(
                    sku=sku, quantity=quantity, condition=common_pb2.ItemCondition.Value(c.value)
                )
                for sku, quantity, c in lines
            ],
            order_id=order_id,
            return_id=return_id,
        )
        await call(self.stub.ReturnToStock, request, "the inventory", key)

    async def location(self, location_id: str) -> Location | None:
        request = INV.GetStockLocationRequest(location_id=location_id)
        try:
            found = (await call(self.stub.GetStockLocation, request, "the inventory")).location
        except DownstreamError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return Location(
            id=found.id,
            name=found.name or found.code,
            active=found.active,
            click_and_collect=found.capabilities.click_and_collect,
            receives_returns=found.capabilities.receives_returns,
        )

    async def pickup_locations(
        self, near: common_pb2.GeoPoint | None, limit: int
    ) -> list[PickupStore]:
        """Active click & collect stores, nearest first when a point is given."""
        request = INV.ListStockLocationsRequest(
            click_and_collect_only=True, near=near, page_size=limit
        )
        reply = await call(self.stub.ListStockLocations, request, "the inventory")
        return [PickupStore(loc.id, loc.name or loc.code, 0.0) for loc in reply.locations]

    async def shortfalls(
        self,
        lines: Sequence[Placement],
        channel: common_pb2.ChannelRef,
        location_id: str = "",
        own: Sequence[Placement] = (),
    ) -> list[Shortfall]:
        """The lines that the channel's available stock (at one location, or anywhere) plus
        what the cart itself holds there cannot cover now."""
        request = INV.GetAvailableToPromiseRequest(
            skus=sorted({p.sku for p in lines}), channel=channel, location_id=location_id
        )
        reply = await call(self.stub.GetAvailableToPromise, request, "the inventory")
        available = {sku.sku: sku.available for sku in reply.availability}
        if location_id:
            available = {
                sku.sku: sum(
                    loc.available for loc in sku.locations if loc.location_id == location_id
                )
                for sku in reply.availability
            }
        wanted: dict[str, int] = {}
        for p in lines:
            wanted[p.sku] = wanted.get(p.sku, 0) + p.quantity
        for p in own:
            if not location_id or p.location_id == location_id:
                available[p.sku] = available.get(p.sku, 0) + p.quantity
        return [
            Shortfall(sku, location_id, units, available.get(sku, 0))
            for sku, units in sorted(wanted.items())
            if available.get(sku, 0) < units
        ]

    async def pickup_stores(
        self,
        lines: Sequence[Placement],
        channel: common_pb2.ChannelRef,
        near: common_pb2.GeoPoint | None,
        location_id: str = "",
        own: Sequence[Placement] = (),
    ) -> list[PickupStore]:
        """Click & collect stores that have every line's quantity now (counting what the cart
        itself holds there), nearest first."""
        request = INV.GetAvailableToPromiseRequest(
            skus=sorted({p.sku for p in lines}),
            channel=channel,
            location_id=location_id,
            near=near,
            click_and_collect_only=True,
        )
        reply = await call(self.stub.GetAvailableToPromise, request, "the inventory")
        needed = {p.sku: 0 for p in lines}
        for p in lines:
            needed[p.sku] += p.quantity
        stores: dict[str, PickupStore] = {}
        enough: dict[str, int] = {}
        held: dict[tuple[str, str], int] = {}
        for p in own:
            held[(p.sku, p.location_id)] = held.get((p.sku, p.location_id), 0) + p.quantity
        for sku in reply.availability:
            for loc in sku.locations:
                available = loc.available + held.get((sku.sku, loc.location_id), 0)
                if loc.capabilities.click_and_collect and available >= needed.get(sku.sku, 0):
                    stores[loc.location_id] = PickupStore(
                        loc.location_id, loc.location_name, loc.distance_km
                    )
                    enough[loc.location_id] = enough.get(loc.location_id, 0) + 1
        complete = [store for lid, store in stores.items() if enough[lid] == len(needed)]
        return sorted(complete, key=lambda store: store.distance_km)
