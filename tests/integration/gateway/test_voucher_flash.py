"""A flash sale of a voucher: 1,000 customers with the code in their carts check out at once and
the voucher allows 100 uses. Exactly 100 orders carry it (each with its discount), the other 900
are refused naming the voucher, and no order was placed without the discount its cart asked
for. The voucher is made through the gateway; the carts and checkouts go straight to the order
service's gRPC: on a shared two-core machine 1,000 registered customers (and the 4,000 gateway
calls of their set-up) take longer than the slow suite can wait."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import grpc
import pytest
from voucher_builders import create_voucher, set_up_shop

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.app import channel as grpc_channel
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata

P = order_pb2
SHOPPERS = 1000
USES = 100
SETUP_AT_ONCE = 20
WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)


@pytest.fixture
def service_settings() -> dict[str, dict]:
    # On a machine this busy a call may wait its turn at the store and at the other services for
    # minutes: each waits as long as its caller does.
    patient = {"store_budget_seconds": 300}
    return {
        "order": patient | {"downstream_timeout_seconds": 300},
        "inventory": patient,
        "catalog": patient,
    }


@pytest.mark.timeout(1800)  # 3,000 set-up calls and 1,000 checkouts on a shared machine
async def test_1000_checkouts_for_a_voucher_of_100_uses_give_100_orders_and_900_refusals(stack):
    admin = await stack.admin()
    ids = await set_up_shop(stack, admin, units=SHOPPERS + 10)
    voucher = await create_voucher(
        stack, admin, code="FLASH", percentage_basis_points=1000, usage_limit=USES
    )
    order_channel = grpc_channel(f"127.0.0.1:{stack.apps['order'].port}", default_timeout=600)
    order = order_pb2_grpc.OrderServiceStub(order_channel)
    gate = asyncio.Semaphore(SETUP_AT_ONCE)

    async def shopper(number: int) -> P.Cart:
        async with gate:
            made = await order.GetOrCreateCart(
                P.GetOrCreateCartRequest(customer_id=f"cus_flash_{number}", channel=WEB)
            )
            await order.AddCartLine(
                P.AddCartLineRequest(cart_id=made.cart.id, sku="TEE", quantity=1, channel=WEB),
                metadata=call_metadata(f"add-{number}", "test"),
            )
            applied = await order.ApplyCartVoucher(
                P.ApplyCartVoucherRequest(cart_id=made.cart.id, code="FLASH")
            )
            assert applied.cart.discount_total.amount_minor == 200
            return applied.cart

    started = time.monotonic()
    carts = await asyncio.gather(*(shopper(n) for n in range(SHOPPERS)))
    print(f"set-up of {SHOPPERS} carts with the code: {time.monotonic() - started:.1f} s")

    async def check_out(number: int, cart: P.Cart) -> P.Order | object:
        request = P.PlaceOrderRequest(
            cart_id=cart.id,
            delivery=P.DeliveryChoice(
                mode=common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT, pickup_location_id=ids["store"]
            ),
            payment_method=P.PAYMENT_METHOD_PAY_IN_STORE,
            channel=WEB,
        )
        try:
            reply = await order.PlaceOrder(
                request, metadata=call_metadata(f"flash-{number}", "test")
            )
        except grpc.aio.AioRpcError as refused:
            return error_details(refused)
        return reply.order

    started = time.monotonic()
    results = await asyncio.gather(*(check_out(n, cart) for n, cart in enumerate(carts)))
    print(f"{SHOPPERS} checkouts at once: {time.monotonic() - started:.1f} s")
    await order_channel.close()

    placed = [r for r in results if isinstance(r, P.Order)]
    refusals = [r for r in results if not isinstance(r, P.Order)]
    assert len(placed) == USES, Counter(getattr(r, "reason", "order") for r in results)
    assert len(refusals) == SHOPPERS - USES
    for made in placed:
        assert list(made.voucher_codes) == ["FLASH"]
        assert made.totals.discount.amount_minor == 200
        assert made.lines[0].discount.amount_minor == 200
    for refusal in refusals:
        assert (refusal.code, refusal.reason) == (  # type: ignore[attr-defined]
            grpc.StatusCode.FAILED_PRECONDITION,
            "VOUCHER_USED_UP",
        )
        assert refusal.metadata["voucher_code"] == "FLASH"  # type: ignore[attr-defined]

    # Every order the service holds carries the voucher: none slipped through without it.
    orders: list[dict] = []
    token = ""
    while True:
        page = await stack.http.get(
            f"/staff/v1/orders?page_size=200{'&page_token=' + token if token else ''}",
            headers=admin,
        )
        assert page.status_code == 200, page.text
        orders.extend(page.json()["orders"])
        token = page.json().get("next_page_token") or ""
        if not token:
            break
    assert len(orders) == USES
    assert all(order["voucher_codes"] == ["FLASH"] for order in orders)
    counted = await stack.http.get(f"/staff/v1/promotions/vouchers/{voucher['id']}", headers=admin)
    assert counted.json()["redeemed"] == USES
