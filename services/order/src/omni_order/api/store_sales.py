"""RecordStoreSale: one collected POS order per till sale id, however often it is sent.

The sale_id is the key, kept by a unique index on the orders for as long as the orders are
kept (an idempotency record or a NATS duplicate window would forget it). A repeat of the same
payload answers the recorded order; another payload under a used sale_id is quarantined and
reported, and the recorded order stays as it was."""

from __future__ import annotations

import structlog
from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.idempotency import Work, fingerprint
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_timestamp
from omni_order.api.deps import Deps, unchanged
from omni_order.api.paper_receipts import check_paper_sale, paper_fingerprint_payload
from omni_order.api.store_shifts import check_shift, post_to_shift
from omni_order.api.stored_cards import charge_stored_card, payment_due, payment_due_message
from omni_order.domain import checkout
from omni_order.domain import store_sales as rules
from omni_order.domain.orders import Order
from omni_order.domain.values import Actor, ActorKind
from omni_order.events import order_event
from omni_order.messages import actor, money, order_message
from omni_order.store.store_sales import (
    PAYMENT_DUE,
    QUARANTINE,
    payments_due,
    quarantine,
    raise_payment_due,
    sale_fields,
)

C = order_pb2
log = structlog.get_logger(__name__)
# The newest this many: a store works through its due payments, they do not pile up.
PAYMENTS_DUE_SHOWN = 500
TENDERS = {C.STORE_SALE_TENDER_CASH: "cash", C.STORE_SALE_TENDER_CARD: "card"}


def till_sale(request: C.RecordStoreSaleRequest) -> rules.TillSale:
    return rules.TillSale(
        sale_id=request.sale_id,
        store_id=request.store_id,
        till_id=request.till_id,
        till_number=request.till_number,
        sold_at=from_timestamp(request.sold_at) if request.HasField("sold_at") else utcnow(),
        lines=[
            rules.TillLine(line.sku, line.quantity, money(line.unit_price), line.product_name)
            for line in request.lines
        ],
        tender=TENDERS.get(request.tender, ""),
        total=money(request.total),
        actor=actor(request.actor)
        if request.actor.kind
        else Actor(ActorKind.STAFF, request.till_id, f"till {request.till_id}"),
        card_token=request.card_token,
        customer=rules.TillCustomer(
            request.customer.name, request.customer.email, request.customer.phone
        ),
        paper_receipt_number=request.paper_receipt_number,
        shift_id=request.shift_id,
    )


class StoreSaleApi:
    deps: Deps

    async def _order(self, sale: rules.TillSale) -> Order:
        """The sale as an order, each line taxed by its product's class at the sale's time."""
        skus = list(dict.fromkeys(line.sku for line in sale.lines))
        pos = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS, store_id=sale.store_id)
        prices = await self.deps.catalog.prices(pos, skus, sale.total.currency_code)
        lines = rules.sale_lines(sale, {sku: price.tax_class for sku, price in prices.items()})
        tax = await self.deps.taxes.quote(
            rules.sale_channel(sale).channel, checkout.taxable_lines(lines), sale.sold_at
        )
        return rules.sale_order(
            sale, lines, tax, order_id=new_id("ord"), payment_id=new_id("pay"), now=utcnow()
        )

    async def RecordStoreSale(
        self, request: C.RecordStoreSaleRequest, context: aio.ServicerContext
    ) -> C.RecordStoreSaleResponse:
        sale = till_sale(request)
        rules.check_sale(sale)
        payload = request.SerializeToString(deterministic=True)
        printed = fingerprint(payload)
        if request.paper_receipt_number:
            await check_paper_sale(self.deps, request)
            printed = fingerprint(paper_fingerprint_payload(request))

        async def plan() -> Work[C.RecordStoreSaleResponse]:
            recorded = await self._recorded(sale.sale_id)
            if recorded is not None:
                return self._again(recorded, sale.sale_id, printed, payload)
            if sale.shift_id:
                await check_shift(self.deps, sale)
            order = await self._order(sale)
            declined = await charge_stored_card(self.deps, sale, order)
            extra = sale_fields(
                sale.sale_id,
                printed,
                sale.tender,
                request.sold_offline,
                paper_receipt_number=request.paper_receipt_number,
            )
            await self.deps.orders.prepare(order)
            due = self.deps.orders.infra.db[PAYMENT_DUE]

            async def write(session: AsyncClientSession) -> C.RecordStoreSaleResponse:
                if sale.shift_id:
                    extra["store_sale"] |= await post_to_shift(self.deps, session, sale, order)
                events = [order_event("placed", order), order_event("collected", order)]
                await self.deps.orders.add(session, order, events, extra=extra)
                if declined:
                    await raise_payment_due(due, session, payment_due(sale, order, declined))
                return C.RecordStoreSaleResponse(
                    order=order_message(order), outcome=C.STORE_SALE_OUTCOME_RECORDED
                )

            return write

        try:
            return await self.deps.idempotency.run(
                context, request, C.RecordStoreSaleResponse, plan
            )
        except DuplicateKeyError:
            # The same sale_id, recorded by a concurrent call between our read and our write.
            recorded = await self._recorded(sale.sale_id)
            if recorded is None:
                raise
            work = self._again(recorded, sale.sale_id, printed, payload)
            return await self.deps.idempotency.run(
                context, request, C.RecordStoreSaleResponse, lambda: _planned(work)
            )

    async def ListStorePaymentsDue(
        self, request: C.ListStorePaymentsDueRequest, context: aio.ServicerContext
    ) -> C.ListStorePaymentsDueResponse:
        tasks = await payments_due(
            self.deps.orders.infra.db[PAYMENT_DUE], list(request.store_ids), PAYMENTS_DUE_SHOWN
        )
        return C.ListStorePaymentsDueResponse(
            payments_due=[payment_due_message(task) for task in tasks]
        )

    async def _recorded(self, sale_id: str) -> tuple[Order, str] | None:
        document = await self.deps.orders.orders.find_one(
            {"store_sale_id": sale_id}, {"_id": 1, "store_sale.fingerprint": 1}
        )
        if document is None:
            return None
        order = await self.deps.orders.get(document["_id"])
        return order, document.get("store_sale", {}).get("fingerprint", "")

    def _again(
        self, recorded: tuple[Order, str], sale_id: str, printed: str, payload: bytes
    ) -> Work[C.RecordStoreSaleResponse]:
        order, recorded_print = recorded
        if recorded_print == printed:
            return unchanged(
                C.RecordStoreSaleResponse(
                    order=order_message(order), outcome=C.STORE_SALE_OUTCOME_ALREADY_RECORDED
                )
            )
        log.warning(
            "store sale quarantined: its sale_id was recorded with another payload",
            sale_id=sale_id,
            recorded_order_id=order.id,
        )
        collection = self.deps.orders.infra.db[QUARANTINE]

        async def keep_aside(session: AsyncClientSession) -> C.RecordStoreSaleResponse:
            await quarantine(
                collection,
                session,
                sale_id=sale_id,
                fingerprint=printed,
                payload=payload,
                order_id=order.id,
                now=utcnow(),
            )
            return C.RecordStoreSaleResponse(
                order=order_message(order), outcome=C.STORE_SALE_OUTCOME_QUARANTINED
            )

        return keep_aside


async def _planned(work: Work[C.RecordStoreSaleResponse]) -> Work[C.RecordStoreSaleResponse]:
    return work
