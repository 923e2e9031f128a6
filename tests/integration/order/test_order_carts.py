"""Carts over real gRPC with the real catalog (prices) and inventory (holds)."""

from __future__ import annotations

import grpc
from order_shop import APP, WEB, keyed, refused

from omni.order.v1 import order_pb2


async def test_a_cart_follows_the_customer_across_channels_and_holds_stock(shop):
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", 5)

    on_web = await shop.cart(channel=WEB)
    added = await shop.add(on_web.id, "TEE-M", 2, channel=WEB)
    line = added.lines[0]
    assert (line.quantity, line.unit_price.amount_minor, line.product_name) == (
        2,
        1500,
        "Product TEE-M",
    )
    assert line.reservation_id and line.hold_expires_at.seconds
    assert added.subtotal.amount_minor == 3000
    assert (await shop.level("TEE-M", warehouse)).reserved == 2

    on_app = await shop.cart(channel=APP)
    assert on_app.id == on_web.id
    more = await shop.add(on_app.id, "TEE-M", 1, channel=APP)
    assert [(x.sku, x.quantity) for x in more.lines] == [("TEE-M", 3)]
    assert more.channel.channel == APP.channel
    assert (await shop.level("TEE-M", warehouse)).reserved == 3  # the old hold was replaced


async def test_a_repeated_add_adds_once(shop):
    await shop.product("CAP", 900)
    await shop.receive(await shop.location("WH-1"), "CAP", 5)
    cart = await shop.cart()
    request = order_pb2.AddCartLineRequest(cart_id=cart.id, sku="CAP", quantity=1, channel=WEB)
    key = keyed()
    await shop.order.AddCartLine(request, metadata=key)
    call = shop.order.AddCartLine(request, metadata=key)
    again = (await call).cart
    assert again.lines[0].quantity == 1
    assert ("omni-idempotent-replayed", "true") in tuple(await call.trailing_metadata())
    reused = await refused(
        shop.order.AddCartLine(
            order_pb2.AddCartLineRequest(cart_id=cart.id, sku="CAP", quantity=2, channel=WEB),
            metadata=key,
        )
    )
    assert (reused.code, reused.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert (await shop.order.GetCart(order_pb2.GetCartRequest(cart_id=cart.id))).cart.lines[
        0
    ].quantity == 1


async def test_bad_lines_are_refused_and_leave_the_cart_as_it_was(shop):
    await shop.product("TEE-M", 1500)
    await shop.product("APP-ONLY", 500, channels=(APP,))
    await shop.receive(await shop.location("WH-1"), "TEE-M", 2)
    cart = await shop.cart()

    too_many = await refused(shop.add(cart.id, "TEE-M", 3))
    assert (too_many.code, too_many.field, too_many.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "quantity",
        "INSUFFICIENT_STOCK",
    )
    unlisted = await refused(shop.add(cart.id, "APP-ONLY", 1, channel=WEB))
    assert (unlisted.code, unlisted.field, unlisted.reason) == (
        grpc.StatusCode.NOT_FOUND,
        "sku",
        "PRODUCT_NOT_LISTED",
    )
    assert "web" in unlisted.message
    unknown = await refused(shop.add(cart.id, "NOPE", 1))
    assert unknown.field == "sku"
    zero = await refused(shop.add(cart.id, "TEE-M", 0))
    assert (zero.code, zero.field) == (grpc.StatusCode.INVALID_ARGUMENT, "quantity")

    after = (await shop.order.GetCart(order_pb2.GetCartRequest(cart_id=cart.id))).cart
    assert (after.version, list(after.lines)) == (cart.version, [])


async def test_a_changed_price_is_shown_refused_at_checkout_and_applied_on_reprice(shop):
    product_id = await shop.product("TEE-M", 1500)
    await shop.receive(await shop.location("WH-1"), "TEE-M", 5)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 2)
    await shop.set_price(product_id, 1800)

    shown = (await shop.order.GetCart(order_pb2.GetCartRequest(cart_id=cart.id))).cart
    assert shown.has_price_changes
    assert (
        shown.lines[0].unit_price.amount_minor,
        shown.lines[0].current_unit_price.amount_minor,
    ) == (1500, 1800)
    assert shown.subtotal.amount_minor == 3000

    changed = await refused(shop.place(cart.id))
    assert (changed.code, changed.reason, changed.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "PRICE_CHANGED",
        "cart_id",
    )
    assert "TEE-M" in changed.message
    orders = await shop.order.ListOrders(order_pb2.ListOrdersRequest(customer_id="cus_anna"))
    assert list(orders.orders) == []

    repriced = (await shop.order.RepriceCart(order_pb2.RepriceCartRequest(cart_id=cart.id))).cart
    assert not repriced.has_price_changes
    assert repriced.subtotal.amount_minor == 3600
    assert (await shop.place(cart.id)).status == order_pb2.ORDER_STATUS_CONFIRMED


async def test_an_anonymous_cart_merges_into_the_customers_at_sign_in(shop):
    await shop.product("TEE-M", 1500)
    await shop.product("CAP", 900)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", 10)
    await shop.receive(warehouse, "CAP", 10)
    mine = await shop.add((await shop.cart()).id, "TEE-M", 1)
    anonymous = (
        await shop.order.GetOrCreateCart(
            order_pb2.GetOrCreateCartRequest(anonymous_id="anon_1", channel=APP)
        )
    ).cart
    await shop.add(anonymous.id, "TEE-M", 2, channel=APP)
    await shop.add(anonymous.id, "CAP", 1, channel=APP)

    request = order_pb2.MergeCartsRequest(
        source_cart_id=anonymous.id, customer_id="cus_anna", channel=APP
    )
    merged = (await shop.order.MergeCarts(request, metadata=keyed("merge-1"))).cart
    assert merged.id == mine.id
    assert sorted((x.sku, x.quantity) for x in merged.lines) == [("CAP", 1), ("TEE-M", 3)]
    assert (await shop.level("TEE-M", warehouse)).reserved == 3
    # a repeat changes nothing, with its key or without
    assert (await shop.order.MergeCarts(request, metadata=keyed("merge-1"))).cart.id == mine.id
    assert (await shop.order.MergeCarts(request)).cart.id == mine.id
    source = (await shop.order.GetCart(order_pb2.GetCartRequest(cart_id=anonymous.id))).cart
    assert (source.status, source.merged_into_cart_id) == (order_pb2.CART_STATUS_MERGED, mine.id)


async def test_changing_and_removing_a_line_moves_its_stock_hold(shop):
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", 5)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 1)
    line_id = cart.lines[0].line_id

    change = order_pb2.UpdateCartLineRequest(
        cart_id=cart.id,
        line=order_pb2.CartLine(line_id=line_id, quantity=4),
        update_mask={"paths": ["quantity"]},
    )
    changed = (await shop.order.UpdateCartLine(change)).cart
    assert (changed.lines[0].quantity, changed.subtotal.amount_minor) == (4, 6000)
    assert (await shop.level("TEE-M", warehouse)).reserved == 4
    change.line.quantity = 6
    too_many = await refused(shop.order.UpdateCartLine(change))
    assert (too_many.field, too_many.reason) == ("quantity", "INSUFFICIENT_STOCK")
    change.update_mask.paths[:] = ["unit_price"]
    assert (await refused(shop.order.UpdateCartLine(change))).field == "update_mask"

    removed = await shop.order.RemoveCartLine(
        order_pb2.RemoveCartLineRequest(cart_id=cart.id, line_id=line_id)
    )
    assert list(removed.cart.lines) == []
    assert (await shop.level("TEE-M", warehouse)).reserved == 0
