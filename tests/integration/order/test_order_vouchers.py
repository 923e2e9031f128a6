"""Voucher redemptions over real gRPC: an order whose payment fails gives its use back in the
transaction that records the failure (once), the use then goes to another order, and past the
limit a checkout is refused with nothing written (no order, the cart still open)."""

from __future__ import annotations

import grpc
from order_shop import keyed, refused

from omni.order.v1 import order_pb2, promotions_pb2, promotions_pb2_grpc
from omni_kit.app import channel as grpc_channel

P = order_pb2


async def test_a_failed_payment_releases_the_use_and_the_limit_refuses_with_nothing_written(
    shop, mongo, db_name
):
    await shop.product("MUG-1", 2000)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "MUG-1", 20)
    promotions_channel = grpc_channel(f"127.0.0.1:{shop.order_app.port}")
    promotions = promotions_pb2_grpc.PromotionServiceStub(promotions_channel)
    once = promotions_pb2.Voucher(
        code="ONCE",
        kind=promotions_pb2.VOUCHER_KIND_PERCENTAGE,
        percentage_basis_points=2500,
        target=promotions_pb2.VOUCHER_TARGET_ORDER,
        usage_limit=1,
        active=True,
    )
    made = await promotions.CreateVoucher(promotions_pb2.CreateVoucherRequest(voucher=once))

    async def cart_with_voucher(customer: str) -> P.Cart:
        cart = await shop.add((await shop.cart(customer)).id, "MUG-1", 1)
        reply = await shop.order.ApplyCartVoucher(
            P.ApplyCartVoucherRequest(cart_id=cart.id, code="ONCE")
        )
        assert reply.cart.discount_total.amount_minor == 500
        return reply.cart

    async def redeemed() -> int:
        ask = promotions_pb2.GetVoucherRequest(voucher_id=made.voucher.id)
        return (await promotions.GetVoucher(ask)).voucher.redeemed

    declined = await shop.place((await cart_with_voucher("cus_a")).id, token="tok_decline")
    assert declined.status == P.ORDER_STATUS_PAYMENT_FAILED
    assert list(declined.voucher_codes) == ["ONCE"]
    assert await redeemed() == 0
    records = mongo[f"{db_name}_order"]["voucher_redemptions"]
    assert await records.count_documents({}) == 0

    # Two carts take the code while one use is left; the first to check out gets it.
    first, late = await cart_with_voucher("cus_b"), await cart_with_voucher("cus_c")
    kept = await shop.place(first.id)
    assert kept.totals.discount.amount_minor == 500
    assert await redeemed() == 1
    assert await records.count_documents({"order_id": kept.id}) == 1

    orders_before = await mongo[f"{db_name}_order"]["orders"].count_documents({})
    details = await refused(shop.order.PlaceOrder(shop.place_request(late.id), metadata=keyed()))
    assert (details.code, details.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "VOUCHER_USED_UP",
    )
    assert details.metadata["voucher_code"] == "ONCE"
    assert await mongo[f"{db_name}_order"]["orders"].count_documents({}) == orders_before
    still = (await shop.order.GetCart(P.GetCartRequest(cart_id=late.id))).cart
    assert still.status == P.CART_STATUS_ACTIVE
    assert await redeemed() == 1
    await promotions_channel.close()
