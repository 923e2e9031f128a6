"""Paper receipts for a store with no power at all: the centre issues numbered blocks (store
manager, admin), and a paper sale is keyed in here or at the store's node. Both derive the
sale's id from the store and the number, so the receipt is one order however often it is keyed."""

from __future__ import annotations

from datetime import UTC

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException

from omni.common.v1 import common_pb2
from omni.inventory.v1.inventory_pb2 import GetStockLocationRequest
from omni.order.v1 import order_pb2
from omni_gateway.catalog_calls import call
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles, store_in_path
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.paper_receipt import (
    NewPaperReceiptBlock,
    NewPaperSale,
    PaperReceiptBlockList,
    PaperReceiptBlockView,
    PaperSaleView,
    block_view,
)
from omni_kit import timezones
from omni_kit.paper import paper_sale_id
from omni_kit.protos import to_timestamp

C = order_pb2
TENDERS = {"cash": C.STORE_SALE_TENDER_CASH, "card": C.STORE_SALE_TENDER_CARD}
MANAGERS = (StaffRole.STORE_MANAGER, StaffRole.ADMIN)
# Who may key in a store's sales (consultants read, they do not sell).
SELLERS = (StaffRole.ASSOCIATE, StaffRole.STORE_MANAGER, StaffRole.ADMIN)
SALE_FIELDS = {"sale_id": "paper_receipt_number", "store_id": "store_id"}


class StaffPaperReceipts(Controller):
    path = "/staff/v1/stores/{store_id:str}"
    tags = ["stores (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @post(
        "/paper-receipt-blocks",
        summary="Issue a block of paper receipt numbers to a store (store manager, admin); "
        "numbers never repeat across blocks or stores",
        status_code=201,
        guards=[roles(*MANAGERS), store_in_path()],
    )
    async def issue(
        self, state: State, principal: Principal, store_id: str, data: NewPaperReceiptBlock
    ) -> PaperReceiptBlockView:
        reply = await call(
            state,
            state.downstream.order.IssuePaperReceiptBlock,
            C.IssuePaperReceiptBlockRequest(
                store_id=store_id, count=data.count, actor=actor_of(principal)
            ),
            idempotent=False,
        )
        return block_view(reply.block)

    @get(
        "/paper-receipt-blocks",
        summary="A store's paper receipt blocks, oldest first (staff of that store, admins)",
        guards=[store_in_path()],
    )
    async def blocks(self, state: State, store_id: str) -> PaperReceiptBlockList:
        reply = await call(
            state,
            state.downstream.order.ListPaperReceiptBlocks,
            C.ListPaperReceiptBlocksRequest(store_id=store_id),
            idempotent=True,
        )
        return PaperReceiptBlockList(blocks=[block_view(block) for block in reply.blocks])

    @post(
        "/paper-sales",
        summary="Key in a sale written on a paper receipt (associate or store manager of that "
        "store, admin); the same receipt keyed again, here or at the node, is the same order",
        status_code=201,
        guards=[roles(*SELLERS), store_in_path()],
    )
    async def key_in(
        self, state: State, principal: Principal, store_id: str, data: NewPaperSale
    ) -> PaperSaleView:
        location = await call(
            state,
            state.downstream.inventory.GetStockLocation,
            GetStockLocationRequest(location_id=store_id),
            idempotent=True,
            fields={"location_id": "store_id"},
        )
        written = data.written_at
        if written.tzinfo is None:
            written = written.replace(tzinfo=timezones.zone(location.location.time_zone) or UTC)
        request = C.RecordStoreSaleRequest(
            sale_id=paper_sale_id(store_id, data.paper_receipt_number),
            store_id=store_id,
            till_id=data.till_id,
            sold_at=to_timestamp(written.astimezone(UTC)),
            lines=[
                C.StoreSaleLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=common_pb2.Money(
                        amount_minor=line.unit_price_minor, currency_code=data.currency
                    ),
                )
                for line in data.lines
            ],
            tender=TENDERS[data.tender],
            total=common_pb2.Money(
                amount_minor=sum(line.unit_price_minor * line.quantity for line in data.lines),
                currency_code=data.currency,
            ),
            sold_offline=True,
            actor=actor_of(principal),
            card_token=data.card_token,
            customer=C.StoreSaleCustomer(
                name=data.customer.name, email=data.customer.email, phone=data.customer.phone
            )
            if data.customer
            else None,
            paper_receipt_number=data.paper_receipt_number,
        )
        reply = await call(
            state,
            state.downstream.order.RecordStoreSale,
            request,
            idempotent=False,
            fields=SALE_FIELDS,
        )
        if reply.outcome == C.STORE_SALE_OUTCOME_QUARANTINED:
            message = (
                f"paper receipt {data.paper_receipt_number} was keyed in before with another"
                f" till, time, lines or tender (order {reply.order.id}); this one is kept aside"
                " for staff"
            )
            raise ClientException(
                message,
                status_code=409,
                extra={
                    "code": "PAPER_RECEIPT_CONFLICT",
                    "errors": [{"field": "paper_receipt_number", "message": message}],
                },
            )
        return PaperSaleView(
            sale_id=request.sale_id,
            paper_receipt_number=data.paper_receipt_number,
            order_id=reply.order.id,
            created=reply.outcome == C.STORE_SALE_OUTCOME_RECORDED,
            sold_at=written.astimezone(UTC),
        )
