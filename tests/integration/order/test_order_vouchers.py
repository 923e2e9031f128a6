"""Voucher redemptions over real gRPC: an order whose payment fails gives its use back in the
transaction that records the failure (once), the use then goes to another order, and past the
limit a checkout is refused with nothing written (no order, the cart still open). A checkout
holds its uses before its order is written: one refused for another reason gives them back, and
the hold of a checkout that died is given back by the sweeper."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from order_shop import eur, keyed, refused

from omni.order.v1 import order_pb2, promotions_pb2, promotions_pb2_grpc
from omni_kit.app import channel as grpc_channel
from omni_kit.ids import utcnow
from omni_order.store.vouchers import VoucherStore

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


@dataclass
class Promotions:
    stub: promotions_pb2_grpc.PromotionServiceStub

    async def create(self, code: str, **limits: int) -> str:
        voucher = promotions_pb2.Voucher(
            code=code,
            kind=promotions_pb2.VOUCHER_KIND_PERCENTAGE,
            percentage_basis_points=2500,
            target=promotions_pb2.VOUCHER_TARGET_ORDER,
            active=True,
            **limits,
        )
        made = await self.stub.CreateVoucher(promotions_pb2.CreateVoucherRequest(voucher=voucher))
        return made.voucher.id

    async def redeemed(self, voucher_id: str) -> int:
        ask = promotions_pb2.GetVoucherRequest(voucher_id=voucher_id)
        return (await self.stub.GetVoucher(ask)).voucher.redeemed


@pytest.fixture
async def promotions(shop) -> AsyncIterator[Promotions]:
    ch = grpc_channel(f"127.0.0.1:{shop.order_app.port}")
    yield Promotions(promotions_pb2_grpc.PromotionServiceStub(ch))
    await ch.close()


async def mug_cart(shop, customer: str, code: str) -> P.Cart:
    cart = await shop.add((await shop.cart(customer)).id, "MUG-1", 1)
    reply = await shop.order.ApplyCartVoucher(P.ApplyCartVoucherRequest(cart_id=cart.id, code=code))
    return reply.cart


async def test_a_checkout_refused_after_its_hold_gives_the_use_back_before_answering(
    shop, promotions, mongo, db_name
):
    await shop.product("MUG-1", 2000)
    await shop.receive(await shop.location("WH-1"), "MUG-1", 5)
    voucher_id = await promotions.create("ONEEACH", usage_limit=1, usage_limit_per_customer=1)
    cart = await mug_cart(shop, "cus_a", "ONEEACH")
    order_db = mongo[f"{db_name}_order"]

    # The hold is taken once the vouchers are checked; the total is compared after it.
    wrong = shop.place_request(cart.id)
    wrong.expected_total.CopyFrom(eur(1))
    details = await refused(shop.order.PlaceOrder(wrong, metadata=keyed()))
    assert (details.reason, details.field) == ("TOTAL_CHANGED", "expected_total")
    assert await promotions.redeemed(voucher_id) == 0
    assert await order_db["voucher_redemptions"].count_documents({}) == 0
    assert (await order_db["vouchers"].find_one({"_id": voucher_id})).get("holds") == []
    customer = await order_db["voucher_customers"].find_one({"_id": f"{voucher_id}|cus_a"})
    assert (customer["used"], customer["holds"]) == (0, [])
    assert await order_db["orders"].count_documents({}) == 0

    # The use given back is there for the same customer's next checkout (both limits are 1).
    placed = await shop.place(cart.id)
    assert list(placed.voucher_codes) == ["ONEEACH"]
    assert placed.totals.discount.amount_minor == 500
    assert await promotions.redeemed(voucher_id) == 1
    record = await order_db["voucher_redemptions"].find_one({"order_id": placed.id})
    assert record["state"] == "redeemed"
    assert (await order_db["vouchers"].find_one({"_id": voucher_id}))["holds"] == []


async def test_the_hold_of_a_checkout_that_died_is_given_back_by_the_sweeper(
    shop, promotions, mongo, db_name
):
    await shop.product("MUG-1", 2000)
    await shop.receive(await shop.location("WH-1"), "MUG-1", 5)
    voucher_id = await promotions.create("LASTONE", usage_limit=1)
    cart = await mug_cart(shop, "cus_b", "LASTONE")
    order_db = mongo[f"{db_name}_order"]
    store = VoucherStore(order_db)

    # A checkout took the last use (a retry of it took the same hold again, counted once) and
    # its process died before writing the order.
    voucher = await store.get(voucher_id)
    for _ in range(2):
        await store.hold(voucher, f"dead-checkout|{voucher_id}", "ord_never", "cus_x", utcnow())
    assert await promotions.redeemed(voucher_id) == 1
    details = await refused(shop.order.PlaceOrder(shop.place_request(cart.id), metadata=keyed()))
    assert (details.code, details.reason, details.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "VOUCHER_USED_UP",
        "code",
    )

    # An instance whose sweeper gives holds back after a second, looking every 0.2 s.
    _, sweeping = await shop.start_order(voucher_hold_seconds=1, voucher_sweep_interval_seconds=0.2)
    deadline = asyncio.get_running_loop().time() + 15
    while await promotions.redeemed(voucher_id) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    assert await promotions.redeemed(voucher_id) == 0
    assert await order_db["voucher_redemptions"].count_documents({}) == 0
    assert (await order_db["vouchers"].find_one({"_id": voucher_id}))["holds"] == []

    # The use is the next checkout's, and the sweeper leaves a hold its order confirmed.
    placed = await sweeping.PlaceOrder(shop.place_request(cart.id), metadata=keyed())
    assert list(placed.order.voucher_codes) == ["LASTONE"]
    await asyncio.sleep(2)
    assert await promotions.redeemed(voucher_id) == 1
    assert await order_db["voucher_redemptions"].count_documents({"state": "redeemed"}) == 1


async def test_a_merged_anonymous_cart_brings_the_codes_the_customers_cart_may_use(
    shop, promotions
):
    await shop.product("MUG-1", 2000)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "MUG-1", 20)
    for code in ("WELCOME", "MINE"):  # 25 % off the order, combinable with nothing
        await promotions.create(code)

    async def anonymous_cart(visitor: str, code: str) -> P.Cart:
        ask = P.GetOrCreateCartRequest(anonymous_id=visitor, channel=shop_channel)
        cart = (await shop.order.GetOrCreateCart(ask)).cart
        await shop.add(cart.id, "MUG-1", 1)
        applied = P.ApplyCartVoucherRequest(cart_id=cart.id, code=code)
        return (await shop.order.ApplyCartVoucher(applied)).cart

    shop_channel = (await shop.cart("cus_merge_a")).channel
    # A customer with no code of their own gets the visitor's code with the visitor's lines.
    source = await anonymous_cart("anon_a", "WELCOME")
    merge = P.MergeCartsRequest(source_cart_id=source.id, customer_id="cus_merge_a")
    merged = (await shop.order.MergeCarts(merge, metadata=keyed())).cart
    assert list(merged.voucher_codes) == ["WELCOME"]
    assert merged.discount_total.amount_minor == 500

    # A customer whose cart has a code that combines with nothing keeps theirs alone: the
    # visitor's would have been refused there.
    mine = await shop.add((await shop.cart("cus_merge_b")).id, "MUG-1", 1)
    applied = P.ApplyCartVoucherRequest(cart_id=mine.id, code="MINE")
    await shop.order.ApplyCartVoucher(applied)
    source = await anonymous_cart("anon_b", "WELCOME")
    merge = P.MergeCartsRequest(source_cart_id=source.id, customer_id="cus_merge_b")
    merged = (await shop.order.MergeCarts(merge, metadata=keyed())).cart
    assert (merged.id, list(merged.voucher_codes)) == (mine.id, ["MINE"])
    assert merged.discount_total.amount_minor == 1000
