"""Paper receipt blocks: issued to a store at the centre, and the check that a keyed-in paper
sale is numbered inside one of them and carries the id its store and number derive."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument
from omni_kit.idempotency import Work
from omni_kit.ids import utcnow
from omni_kit.paper import paper_sale_id
from omni_kit.protos import to_timestamp
from omni_order.api.deps import Deps
from omni_order.store.paper_receipts import Block, PaperReceiptStore

C = order_pb2
MAX_BLOCK = 10_000


def block_message(block: Block) -> C.PaperReceiptBlock:
    return C.PaperReceiptBlock(
        id=block.id,
        store_id=block.store_id,
        first=block.first,
        last=block.last,
        issued_at=to_timestamp(block.issued_at),
    )


def paper_receipts(deps: Deps) -> PaperReceiptStore:
    return PaperReceiptStore(deps.orders.infra.db)


async def check_paper_sale(deps: Deps, request: C.RecordStoreSaleRequest) -> None:
    """A paper sale's number lies in one of its store's blocks, and its id is the derived one."""
    number = request.paper_receipt_number
    if number < 0:
        raise InvalidArgument("a paper receipt number is positive", field="paper_receipt_number")
    if request.sale_id != paper_sale_id(request.store_id, number):
        raise InvalidArgument(
            "a paper sale's id is derived from its store and paper receipt number",
            field="sale_id",
        )
    if request.tender == C.STORE_SALE_TENDER_CARD and not request.card_token:
        raise InvalidArgument(
            "no card terminal works without power: a paper card sale needs the card's token",
            field="card_token",
        )
    if request.till_number != 0:
        raise InvalidArgument("a paper sale has no till number", field="till_number")
    if not await paper_receipts(deps).holds(request.store_id, number):
        raise InvalidArgument(
            f"paper receipt {number} is not in a block issued to store {request.store_id!r}",
            field="paper_receipt_number",
        )


def paper_fingerprint_payload(request: C.RecordStoreSaleRequest) -> bytes:
    """What makes two keyings of one paper receipt the same sale: what was written on it. Who
    keyed it, where (sold_offline) and the product names each side looked up do not count."""
    written = C.RecordStoreSaleRequest()
    written.CopyFrom(request)
    written.ClearField("actor")
    written.sold_offline = False
    for line in written.lines:
        line.product_name = ""
    return written.SerializeToString(deterministic=True)


class PaperReceiptApi:
    deps: Deps

    async def IssuePaperReceiptBlock(
        self, request: C.IssuePaperReceiptBlockRequest, context: aio.ServicerContext
    ) -> C.IssuePaperReceiptBlockResponse:
        if not request.store_id:
            raise InvalidArgument("store_id is required", field="store_id")
        if not 1 <= request.count <= MAX_BLOCK:
            raise InvalidArgument(f"count is 1 to {MAX_BLOCK}", field="count")
        store = paper_receipts(self.deps)

        async def plan() -> Work[C.IssuePaperReceiptBlockResponse]:
            async def write(session: AsyncClientSession) -> C.IssuePaperReceiptBlockResponse:
                block = await store.issue(session, request.store_id, request.count, utcnow())
                return C.IssuePaperReceiptBlockResponse(block=block_message(block))

            return write

        return await self.deps.idempotency.run(
            context, request, C.IssuePaperReceiptBlockResponse, plan
        )

    async def ListPaperReceiptBlocks(
        self, request: C.ListPaperReceiptBlocksRequest, context: aio.ServicerContext
    ) -> C.ListPaperReceiptBlocksResponse:
        if not request.store_id:
            raise InvalidArgument("store_id is required", field="store_id")
        blocks = await paper_receipts(self.deps).of_store(request.store_id)
        return C.ListPaperReceiptBlocksResponse(blocks=[block_message(b) for b in blocks])
