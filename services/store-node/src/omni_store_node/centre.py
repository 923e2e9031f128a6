"""The centre as the node reaches it over the store's link: the order service, where sales are
recorded, and the catalog, where the store's prices come from. Any failure to reach it within
the timeout is `LinkDown`; a refusal of a sale is the centre's answer, not a link failure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.app import channel
from omni_kit.idempotency import CALLER_METADATA
from omni_kit.protos import to_timestamp
from omni_store_node.domain.payments import CardLimits
from omni_store_node.domain.sales import Price, Sale
from omni_store_node.domain.shifts import Shift

CALLER = "service:store-node"
DOWN = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
}
PAGE = 200
TENDERS = {"cash": order_pb2.STORE_SALE_TENDER_CASH, "card": order_pb2.STORE_SALE_TENDER_CARD}
OUTCOMES = {
    order_pb2.STORE_SALE_OUTCOME_RECORDED: "recorded",
    order_pb2.STORE_SALE_OUTCOME_ALREADY_RECORDED: "recorded",
    order_pb2.STORE_SALE_OUTCOME_QUARANTINED: "quarantined",
}

RECORDED = "recorded"
ALREADY_CLOSED = "already_closed"


class LinkDown(Exception):
    """The centre could not be reached (or did not answer in time)."""


@dataclass(frozen=True)
class Standing:
    """What the centre answers a status report with: the store's offline card limits (None:
    staff set none) and its paper receipt blocks (first, last)."""

    limits: CardLimits | None
    paper_blocks: list[tuple[int, int]]


@dataclass(frozen=True)
class Recorded:
    state: str
    order_id: str


def sale_request(
    sale: Sale, *, store_id: str, till_number: int, offline: bool
) -> order_pb2.RecordStoreSaleRequest:
    """The same sale always makes the same request: the centre compares them byte for byte."""
    money = common_pb2.Money
    return order_pb2.RecordStoreSaleRequest(
        sale_id=sale.sale_id,
        store_id=store_id,
        till_id=sale.till_id,
        till_number=0 if sale.paper_receipt_number else till_number,
        sold_at=to_timestamp(sale.sold_at),
        lines=[
            order_pb2.StoreSaleLine(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=money(amount_minor=line.unit_minor, currency_code=sale.currency),
                product_name=line.name,
            )
            for line in sale.lines
        ],
        tender=TENDERS[sale.tender],
        total=money(amount_minor=sale.total_minor, currency_code=sale.currency),
        sold_offline=offline,
        actor=common_pb2.Actor(
            kind=common_pb2.ACTOR_KIND_STAFF,
            id=sale.staff_id or sale.till_id,
            display=f"till {sale.till_id}",
        ),
        card_token=sale.card_token,
        customer=order_pb2.StoreSaleCustomer(**asdict(sale.customer)) if sale.card_token else None,
        paper_receipt_number=sale.paper_receipt_number,
        shift_id=sale.shift_id,
    )


def _staff(staff_id: str, till_id: str) -> common_pb2.Actor:
    return common_pb2.Actor(
        kind=common_pb2.ACTOR_KIND_STAFF, id=staff_id, display=f"till {till_id}"
    )


def open_shift_request(shift: Shift, *, store_id: str) -> order_pb2.OpenStoreShiftRequest:
    return order_pb2.OpenStoreShiftRequest(
        shift_id=shift.shift_id,
        store_id=store_id,
        till_id=shift.till_id,
        business_day=shift.business_day,
        opening_float=common_pb2.Money(
            amount_minor=shift.float_minor, currency_code=shift.currency
        ),
        opened_at=to_timestamp(shift.opened_at),
        actor=_staff(shift.opened_by, shift.till_id),
    )


def close_shift_request(shift: Shift, *, store_id: str) -> order_pb2.CloseStoreShiftRequest:
    return order_pb2.CloseStoreShiftRequest(
        shift_id=shift.shift_id,
        store_id=store_id,
        counted_cash=common_pb2.Money(
            amount_minor=shift.counted_cash_minor or 0, currency_code=shift.currency
        ),
        closed_at=to_timestamp(shift.closed_at),
        actor=_staff(shift.closed_by, shift.till_id),
    )


class Centre:
    def __init__(self, order_addr: str, catalog_addr: str, timeout: float) -> None:
        self.timeout = timeout
        self._order_channel = channel(order_addr, default_timeout=timeout)
        self._catalog_channel = channel(catalog_addr, default_timeout=timeout)
        self.orders = order_pb2_grpc.OrderServiceStub(self._order_channel)
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self._catalog_channel)
        # The standard health method, called by its path: typeshed's HealthStub names none.
        self.health_check = self._order_channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )

    async def record(self, request: order_pb2.RecordStoreSaleRequest) -> Recorded:
        reply = await self._call(self.orders.RecordStoreSale, request)
        return Recorded(OUTCOMES[reply.outcome], reply.order.id)

    async def open_shift(self, request: order_pb2.OpenStoreShiftRequest) -> str:
        await self._call(self.orders.OpenStoreShift, request)
        return RECORDED

    async def close_shift(self, request: order_pb2.CloseStoreShiftRequest) -> str:
        """ALREADY_CLOSED when the centre had closed the shift first (its close stands)."""
        reply = await self._call(self.orders.CloseStoreShift, request)
        return ALREADY_CLOSED if reply.already_closed else RECORDED

    async def report_status(self, request: order_pb2.ReportStoreNodeStatusRequest) -> Standing:
        """Report; the answer carries the store's offline card limits and paper blocks."""
        reply = await self._call(self.orders.ReportStoreNodeStatus, request)
        blocks = [(block.first, block.last) for block in reply.paper_receipt_blocks]
        if not reply.HasField("limits"):
            return Standing(None, blocks)
        limits = reply.limits
        return Standing(
            CardLimits(
                currency=limits.card_sale_cap.currency_code,
                sale_cap_minor=limits.card_sale_cap.amount_minor,
                stored_cap_minor=limits.card_stored_cap.amount_minor,
                max_age_seconds=limits.card_max_age_seconds,
            ),
            blocks,
        )

    async def reachable(self) -> bool:
        try:
            reply = await self._call(self.health_check, health_pb2.HealthCheckRequest())
        except LinkDown:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    async def store_prices(self) -> list[Price]:
        """Every SKU the store sells (published on the POS channel) at its price now."""
        pos = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS)
        prices: list[Price] = []
        token = ""
        while True:
            page = await self._call(
                self.catalog.ListChannelListings,
                catalog_pb2.ListChannelListingsRequest(
                    page_size=PAGE, page_token=token, channel=pos, published_only=True
                ),
            )
            product_ids = [listing.product_id for listing in page.listings]
            if product_ids:
                products = await self._call(
                    self.catalog.BatchGetProducts,
                    catalog_pb2.BatchGetProductsRequest(product_ids=product_ids),
                )
                skus = [v.sku for product in products.products for v in product.variants]
                prices.extend(await self.prices(skus))
            token = page.next_page_token
            if not token:
                return prices

    async def prices(self, skus: Iterable[str]) -> list[Price]:
        """The store's prices of these SKUs (those still sold on the POS channel)."""
        wanted = sorted(set(skus))
        pos = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS)
        found: list[Price] = []
        for start in range(0, len(wanted), PAGE):
            reply = await self._call(
                self.catalog.GetPrices,
                catalog_pb2.GetPricesRequest(channel=pos, skus=wanted[start : start + PAGE]),
            )
            found.extend(
                Price(
                    sku=p.sku,
                    product_id=p.product_id,
                    name=p.product_name,
                    amount_minor=p.effective_price.amount_minor,
                    currency=p.effective_price.currency_code,
                    listing_version=p.listing_version,
                )
                for p in reply.prices
                if p.published
            )
        return found

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(
                request, timeout=self.timeout, metadata=((CALLER_METADATA, CALLER),)
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in DOWN:
                raise LinkDown(f"{error.code().name}: {error.details()}") from None
            raise

    async def close(self) -> None:
        await self._order_channel.close()
        await self._catalog_channel.close()
