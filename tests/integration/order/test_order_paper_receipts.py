"""Paper receipt blocks at the order service: issued at once, they never share a number, a
retried issue (same idempotency key) is the same block, and a paper sale's id, till number and
number are checked before anything is written."""

from __future__ import annotations

import asyncio
import itertools

import grpc
import pytest
from pymongo import AsyncMongoClient

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import KEY_METADATA
from omni_kit.paper import paper_sale_id

C = order_pb2
STORE = "loc_paper_store"


def paper_sale(number: int, **changes) -> C.RecordStoreSaleRequest:
    request = C.RecordStoreSaleRequest(
        sale_id=paper_sale_id(STORE, number),
        store_id=STORE,
        till_id="till-1",
        lines=[
            C.StoreSaleLine(
                sku="TEE-M",
                quantity=1,
                unit_price=common_pb2.Money(amount_minor=1999, currency_code="EUR"),
            )
        ],
        tender=C.STORE_SALE_TENDER_CASH,
        total=common_pb2.Money(amount_minor=1999, currency_code="EUR"),
        sold_offline=True,
        paper_receipt_number=number,
    )
    request.sold_at.FromSeconds(1_780_000_000)
    for name, value in changes.items():
        setattr(request, name, value)
    return request


async def test_blocks_issued_at_once_never_share_a_number(shop) -> None:
    stores = [STORE, "loc_paper_other"]
    issued = await asyncio.gather(
        *(
            shop.order.IssuePaperReceiptBlock(
                C.IssuePaperReceiptBlockRequest(store_id=stores[n % 2], count=25 + n)
            )
            for n in range(8)
        )
    )
    blocks = sorted((r.block.first, r.block.last) for r in issued)
    assert all(last - first + 1 >= 25 for first, last in blocks)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(blocks))
    listed = await shop.order.ListPaperReceiptBlocks(
        C.ListPaperReceiptBlocksRequest(store_id=STORE)
    )
    assert {b.id for b in listed.blocks} == {
        r.block.id for r in issued if r.block.store_id == STORE
    }

    key = ((KEY_METADATA, "issue-paper-block-1"),)
    request = C.IssuePaperReceiptBlockRequest(store_id=STORE, count=10)
    once = await shop.order.IssuePaperReceiptBlock(request, metadata=key)
    again = await shop.order.IssuePaperReceiptBlock(request, metadata=key)
    assert once.block == again.block


@pytest.mark.parametrize(
    ("request_of", "field"),
    [
        (lambda n: C.IssuePaperReceiptBlockRequest(store_id=STORE, count=0), "count"),
        (lambda n: C.IssuePaperReceiptBlockRequest(count=5), "store_id"),
        (lambda n: paper_sale(n, sale_id=paper_sale_id(STORE, n + 1)), "sale_id"),
        (lambda n: paper_sale(n, till_number=3), "till_number"),
        (lambda n: paper_sale(n + 1000), "paper_receipt_number"),
        (lambda n: paper_sale(n, tender=C.STORE_SALE_TENDER_CARD), "card_token"),
    ],
)
async def test_what_cannot_be_is_refused_naming_the_field_with_nothing_written(
    shop, mongo: AsyncMongoClient, db_name, request_of, field
) -> None:
    block = await shop.order.IssuePaperReceiptBlock(
        C.IssuePaperReceiptBlockRequest(store_id=STORE, count=5)
    )
    request = request_of(block.block.first)
    call = (
        shop.order.IssuePaperReceiptBlock
        if isinstance(request, C.IssuePaperReceiptBlockRequest)
        else shop.order.RecordStoreSale
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    db = mongo[f"{db_name}_order"]
    assert await db["orders"].count_documents({"store_sale_id": {"$exists": True}}) == 0
    assert await db["paper_receipt_blocks"].count_documents({}) == 1
