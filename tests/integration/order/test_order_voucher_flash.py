"""A flash of 1,000 concurrent checkouts for a voucher limited to 100 uses, over the order
service's gRPC API with the real catalog, inventory and store: exactly 100 orders carry the
voucher, the other 900 checkouts are refused VOUCHER_USED_UP with nothing written, and the
voucher counts 100 redemptions. Stock is plenty: only the voucher is short."""

from __future__ import annotations

import asyncio
from collections import Counter

import grpc
import pytest
from order_shop import WEB, keyed

from omni.inventory.v1 import inventory_pb2
from omni.order.v1 import order_pb2, promotions_pb2, promotions_pb2_grpc
from omni_kit.app import channel as grpc_channel
from omni_kit.errors import error_details

P = order_pb2
CHECKOUTS = 1000
LIMIT = 100
SKUS = [f"FLASH-{n}" for n in range(10)]  # inventory serialises holds per SKU: spread the setup
# One flash call may wait behind the other 999 on the shared 2-core machine.
CALL_SECONDS = 600
ATTEMPTS = 5


@pytest.mark.timeout(1800)
async def test_1000_concurrent_checkouts_for_100_uses_place_exactly_100_orders(
    shop, mongo, db_name
):
    warehouse = await shop.location("WH-FLASH", kind=inventory_pb2.LOCATION_KIND_WAREHOUSE)
    for sku in SKUS:
        await shop.product(sku, 1000)
        await shop.receive(warehouse, sku, CHECKOUTS)
    # The store is a Python one sharing two cores with everything else: 1,000 checkouts queue
    # for it far longer than a call's 10 s store budget, so the flash instance allows as long
    # as the call's deadline. Its connections outlive the flash, and a slow payment under the
    # load does not fail an order (which would give its use back).
    order_app, order = await shop.start_order(
        store_budget_seconds=CALL_SECONDS,
        grpc_max_connection_age_seconds=3600,
        payment_timeout_seconds=120,
    )
    promotions_channel = grpc_channel(f"127.0.0.1:{order_app.port}", default_timeout=60)
    promotions = promotions_pb2_grpc.PromotionServiceStub(promotions_channel)
    voucher = promotions_pb2.Voucher(
        code="FLASH100",
        kind=promotions_pb2.VOUCHER_KIND_PERCENTAGE,
        percentage_basis_points=1000,
        target=promotions_pb2.VOUCHER_TARGET_ORDER,
        usage_limit=LIMIT,
        usage_limit_per_customer=1,
        active=True,
    )
    made = await promotions.CreateVoucher(promotions_pb2.CreateVoucherRequest(voucher=voucher))

    setup = asyncio.Semaphore(20)

    async def cart_with_voucher(number: int) -> str:
        async with setup:
            request = P.GetOrCreateCartRequest(customer_id=f"cus_flash_{number}", channel=WEB)
            cart = (await order.GetOrCreateCart(request, timeout=CALL_SECONDS)).cart
            sku = SKUS[number % len(SKUS)]
            add = P.AddCartLineRequest(cart_id=cart.id, sku=sku, quantity=1, channel=WEB)
            await order.AddCartLine(add, metadata=keyed(), timeout=CALL_SECONDS)
            apply = P.ApplyCartVoucherRequest(cart_id=cart.id, code="FLASH100")
            reply = await order.ApplyCartVoucher(apply, timeout=CALL_SECONDS)
            assert reply.cart.discount_total.amount_minor == 100
            return cart.id

    carts = await asyncio.gather(*(cart_with_voucher(n) for n in range(CHECKOUTS)))

    tried_again = Counter[str]()

    async def check_out(cart_id: str) -> P.Order | tuple[grpc.StatusCode, str, str]:
        # A service too busy for this checkout answers UNAVAILABLE ("try again shortly", its
        # hold given back); a shop's client tries again under the same key, as here.
        key = keyed()
        for _ in range(ATTEMPTS):
            try:
                reply = await order.PlaceOrder(
                    shop.place_request(cart_id), metadata=key, timeout=CALL_SECONDS
                )
            except grpc.aio.AioRpcError as error:
                details = error_details(error)
                if details.code != grpc.StatusCode.UNAVAILABLE:
                    return (details.code, details.reason, details.field)
                tried_again[details.message] += 1
                await asyncio.sleep(1)
                continue
            return reply.order
        return (grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE", f"{ATTEMPTS} attempts")

    outcomes = await asyncio.gather(*(check_out(cart_id) for cart_id in carts))

    placed = [o for o in outcomes if isinstance(o, P.Order)]
    refusals = Counter(o for o in outcomes if not isinstance(o, P.Order))
    print("checkouts tried again after UNAVAILABLE:", dict(tried_again))
    assert refusals == {(grpc.StatusCode.FAILED_PRECONDITION, "VOUCHER_USED_UP", "code"): 900}
    assert len(placed) == LIMIT
    assert all(list(o.voucher_codes) == ["FLASH100"] for o in placed)
    assert all(o.totals.discount.amount_minor == 100 for o in placed)

    order_db = mongo[f"{db_name}_order"]
    ask = promotions_pb2.GetVoucherRequest(voucher_id=made.voucher.id)
    assert (await promotions.GetVoucher(ask)).voucher.redeemed == LIMIT
    assert await order_db["orders"].count_documents({}) == LIMIT
    assert await order_db["orders"].count_documents({"voucher_codes": "FLASH100"}) == LIMIT
    placed_events = {"subject": "omni.order.order.placed"}
    assert await order_db["outbox"].count_documents(placed_events) == LIMIT
    assert await order_db["carts"].count_documents({"status": "CART_STATUS_CHECKED_OUT"}) == LIMIT
    assert await order_db["carts"].count_documents({"status": "CART_STATUS_ACTIVE"}) == 900
    # Every use is an order's: no hold is left held or half given back.
    records = order_db["voucher_redemptions"]
    assert await records.count_documents({}) == LIMIT
    assert set(await records.distinct("order_id")) == {o.id for o in placed}
    assert await records.count_documents({"state": {"$in": ["held", "giving_back"]}}) == 0
    assert await order_db["voucher_customers"].count_documents({"used": 1}) == LIMIT

    # The orders' sagas run on: none fails (which would give its use back), and each order's
    # hold leaves the voucher's pending list while its use stays counted.
    deadline = asyncio.get_running_loop().time() + 300
    while asyncio.get_running_loop().time() < deadline:
        pending = await order_db["orders"].count_documents({"saga_active": True})
        voucher_doc = await order_db["vouchers"].find_one({"_id": made.voucher.id})
        if not pending and not voucher_doc.get("holds"):
            break
        await asyncio.sleep(1)
    statuses = Counter(
        [(await shop.get(o.id)).status for o in placed]  # through the API, as a client sees it
    )
    assert statuses == {P.ORDER_STATUS_CONFIRMED: LIMIT}
    assert voucher_doc.get("holds") == []
    assert (await promotions.GetVoucher(ask)).voucher.redeemed == LIMIT
    await promotions_channel.close()
