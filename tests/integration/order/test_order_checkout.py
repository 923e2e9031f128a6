"""PlaceOrder and its saga with the real catalog and inventory: outcomes, idempotency, bad input."""

from __future__ import annotations

import asyncio

import grpc
from order_shop import CLICK_AND_COLLECT, STAFF, keyed, next_event, refused

from omni.common.v1.common_pb2 import DELIVERY_MODE_SHIP_TO_STORE as SHIP_TO_STORE
from omni.order.v1 import events_pb2, order_pb2
from omni_kit.errors import error_details

P = order_pb2


async def stocked_cart(shop, quantity: int = 2, stock: int = 5) -> tuple[str, str]:
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", stock)
    cart = await shop.add((await shop.cart()).id, "TEE-M", quantity)
    return cart.id, warehouse


async def test_an_approved_order_is_confirmed_its_holds_become_its_reservation_and_it_is_announced(
    shop, nc
):
    cart_id, warehouse = await stocked_cart(shop)
    order = await shop.place(cart_id)
    assert order.status == P.ORDER_STATUS_CONFIRMED
    assert order.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    assert order.totals.total.amount_minor == 2 * 1500 + 499
    assert (order.delivery.carrier, order.delivery.price.amount_minor) == ("dhl", 499)
    assert list(order.lines[0].source_location_ids) == [warehouse]
    assert [entry.action for entry in order.history] == ["placed", "confirmed"]
    assert order.history[0].actor.id == "cus_anna"
    level = await shop.level("TEE-M", warehouse)
    assert (level.reserved, level.available) == (2, 3)  # held once, not twice

    event = await next_event(nc, "omni.order.order.confirmed", events_pb2.OrderConfirmed, order.id)
    assert event.order.status == P.ORDER_STATUS_CONFIRMED
    assert event.meta.source == "order"
    cart = (await shop.order.GetCart(P.GetCartRequest(cart_id=cart_id))).cart
    assert (cart.status, cart.order_id) == (P.CART_STATUS_CHECKED_OUT, order.id)


async def test_two_identical_requests_at_the_same_moment_make_one_order(shop):
    cart_id, _ = await stocked_cart(shop)
    request = shop.place_request(cart_id)
    key = keyed()
    outcomes = await asyncio.gather(
        shop.order.PlaceOrder(request, metadata=key),
        shop.order.PlaceOrder(request, metadata=key),
        return_exceptions=True,
    )
    placed = [o for o in outcomes if not isinstance(o, BaseException)]
    # The second is answered from the first's record, or told the first is still running.
    for other in outcomes:
        if isinstance(other, BaseException):
            assert isinstance(other, grpc.aio.AioRpcError)
            assert error_details(other).reason == "IDEMPOTENCY_REQUEST_IN_PROGRESS"
    third = await shop.order.PlaceOrder(request, metadata=key)
    assert {o.order.id for o in placed} == {third.order.id}
    first = third
    listed = await shop.order.ListOrders(P.ListOrdersRequest(customer_id="cus_anna"))
    assert [o.id for o in listed.orders] == [first.order.id]
    again = await refused(shop.order.PlaceOrder(shop.place_request(cart_id), metadata=keyed()))
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CART_CHECKED_OUT")


async def test_a_declined_card_releases_the_stock_and_says_why(shop, nc):
    cart_id, warehouse = await stocked_cart(shop)
    order = await shop.place(cart_id, token="tok_decline")
    assert order.status == P.ORDER_STATUS_PAYMENT_FAILED
    assert order.payments[0].status == P.PAYMENT_STATUS_DECLINED
    assert "declined" in order.status_reason
    assert order.saga.status == P.SAGA_STATUS_COMPENSATED
    level = await shop.level("TEE-M", warehouse)
    assert (level.reserved, level.available) == (0, 5)
    event = await next_event(
        nc, "omni.order.order.payment_failed", events_pb2.OrderPaymentFailed, order.id
    )
    assert event.reason == order.status_reason


async def test_a_provider_timeout_fails_the_payment_and_releases_the_stock(shop):
    cart_id, warehouse = await stocked_cart(shop)
    order = await shop.place(cart_id, token="tok_timeout")
    assert order.status == P.ORDER_STATUS_PAYMENT_FAILED
    assert order.payments[0].status == P.PAYMENT_STATUS_FAILED
    assert (await shop.level("TEE-M", warehouse)).reserved == 0


async def test_bad_checkouts_are_refused_precisely_and_create_nothing(shop):
    await shop.product("TEE-M", 1500)
    await shop.receive(await shop.location("WH-1"), "TEE-M", 5)
    no_pickup = await shop.location("OUTLET", click_and_collect=False)
    empty = await shop.cart()
    refusal = await refused(shop.place(empty.id))
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CART_EMPTY",
        "cart_id",
    )
    cart = await shop.add(empty.id, "TEE-M", 1)
    pickup = P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id=no_pickup)
    refusal = await refused(shop.place(cart.id, delivery=pickup))
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "STORE_WITHOUT_CLICK_AND_COLLECT",
        "delivery.pickup_location_id",
    )
    refusal = await refused(shop.place(cart.id, delivery=P.DeliveryChoice(mode=1)))
    assert (refusal.code, refusal.field) == (grpc.StatusCode.INVALID_ARGUMENT, "delivery.address")
    refusal = await refused(shop.place(cart.id, token=""))
    assert refusal.field == "payment_token"
    listed = await shop.order.ListOrders(P.ListOrdersRequest(customer_id="cus_anna"))
    assert list(listed.orders) == []
    still = (await shop.order.GetCart(P.GetCartRequest(cart_id=cart.id))).cart
    assert still.status == P.CART_STATUS_ACTIVE


async def test_click_and_collect_is_offered_where_the_stock_is_then_ready_collected_and_returned(
    shop, nc
):
    await shop.product("TEE-M", 1500)
    mitte = await shop.location("MITTE")
    kreuzberg = await shop.location("XBERG", lat=52.49, lng=13.42)
    await shop.receive(mitte, "TEE-M", 3)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 2)

    options = (
        await shop.order.GetDeliveryOptions(P.GetDeliveryOptionsRequest(cart_id=cart.id))
    ).options
    pickups = [o.pickup_location_id for o in options if o.mode == CLICK_AND_COLLECT]
    assert pickups == [mitte]  # Kreuzberg has none of it: it is offered ship-to-store
    to_store = [o.pickup_location_id for o in options if o.mode == SHIP_TO_STORE]
    assert to_store == [kreuzberg]
    assert any(o.option_id == "home:dhl:express" for o in options)

    order = await shop.place(
        cart.id,
        delivery=P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id=mitte),
        method=P.PAYMENT_METHOD_PAY_IN_STORE,
    )
    assert order.status == P.ORDER_STATUS_CONFIRMED
    assert order.totals.delivery.amount_minor == 0
    store = {"actor": STAFF, "channel": {"channel": 3, "store_id": mitte}}
    ready = (
        await shop.order.MarkReadyForPickup(P.MarkReadyForPickupRequest(order_id=order.id, **store))
    ).order
    assert ready.status == P.ORDER_STATUS_READY_FOR_PICKUP
    waiting = await shop.order.ListOrders(
        P.ListOrdersRequest(pickup_location_id=mitte, statuses=[P.ORDER_STATUS_READY_FOR_PICKUP])
    )
    assert [o.id for o in waiting.orders] == [order.id]

    wrong = await refused(
        shop.order.MarkCollected(
            P.MarkCollectedRequest(order_id=order.id, pickup_code="x", **store)
        )
    )
    assert wrong.field == "pickup_code"
    collected = (
        await shop.order.MarkCollected(
            P.MarkCollectedRequest(order_id=order.id, pickup_code=ready.pickup.code, **store)
        )
    ).order
    assert collected.status == P.ORDER_STATUS_COLLECTED
    assert collected.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    level = await shop.level("TEE-M", mitte)
    assert (level.on_hand, level.reserved) == (1, 0)

    returned = await shop.order.CreateReturn(
        P.CreateReturnRequest(
            order_id=order.id,
            lines=[P.ReturnLine(line_id="l1", quantity=1, reason="too small")],
            receiving_location_id=kreuzberg,
            actor=STAFF,
            channel={"channel": 3, "store_id": kreuzberg},
        ),
        metadata=keyed(),
    )
    assert returned.order.status == P.ORDER_STATUS_PARTIALLY_RETURNED
    assert returned.order_return.refund_total.amount_minor == 1500
    assert returned.order.payments[0].refunded_amount.amount_minor == 1500
    assert (await shop.level("TEE-M", kreuzberg)).on_hand == 1  # restocked where it came back
    history = [(e.action, e.channel.store_id) for e in returned.order.history]
    assert history[-4:] == [
        ("ready_for_pickup", mitte),
        ("collected", mitte),
        ("return_received", kreuzberg),
        ("refund_recorded", kreuzberg),
    ]
    event = await next_event(nc, "omni.order.return.received", events_pb2.ReturnReceived, order.id)
    assert event.order_return.receiving_location_id == kreuzberg


async def test_click_and_collect_beyond_the_stores_stock_is_refused_with_nothing_written(
    shop, mongo, db_name
):
    await shop.product("TEE-M", 1500)
    mitte = await shop.location("MITTE")
    warehouse = await shop.location("WH-1")
    await shop.receive(mitte, "TEE-M", 1)
    await shop.receive(warehouse, "TEE-M", 5)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 3)
    order_db = mongo[f"{db_name}_order"]

    async def everything() -> tuple:
        return (
            [d async for d in order_db["orders"].find({})],
            [d async for d in order_db["carts"].find({})],
            [d async for d in order_db["outbox"].find({}, {"_id": 1})],
            [d async for d in order_db["idempotency"].find({}, {"_id": 1})],
            [(lv.on_hand, lv.reserved) for lv in [await shop.level("TEE-M", mitte)]],
            [(lv.on_hand, lv.reserved) for lv in [await shop.level("TEE-M", warehouse)]],
        )

    before = await everything()
    pickup = P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id=mitte)
    refusal = await refused(
        shop.place(cart.id, delivery=pickup, method=P.PAYMENT_METHOD_PAY_IN_STORE)
    )
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "INSUFFICIENT_STOCK",
        "delivery.pickup_location_id",
    )
    assert refusal.metadata == {
        "sku": "TEE-M",
        "location_id": mitte,
        "requested": "3",
        "available": "1",
        "skus": "TEE-M",
    }
    assert "TEE-M: 3 wanted, 1 available" in refusal.message
    assert await everything() == before  # no order, no event, no record; the cart and its holds
    still = (await shop.order.GetCart(P.GetCartRequest(cart_id=cart.id))).cart
    assert still.status == P.CART_STATUS_ACTIVE and still.lines[0].reservation_id

    # Home delivery of the same cart is fine: the warehouse has it.
    assert (await shop.place(cart.id)).status == P.ORDER_STATUS_CONFIRMED


async def test_the_checkout_note_is_kept_with_the_order(shop):
    cart_id, _ = await stocked_cart(shop)
    request = shop.place_request(cart_id)
    request.note = "leave it at the back door"
    placed = (await shop.order.PlaceOrder(request, metadata=keyed())).order
    assert placed.note == "leave it at the back door"
    assert (await shop.get(placed.id)).note == "leave it at the back door"


async def test_checkout_needs_a_key_and_a_key_is_one_request(shop):
    cart_id, _ = await stocked_cart(shop)
    request = shop.place_request(cart_id)
    keyless = await refused(shop.order.PlaceOrder(request))
    assert (keyless.code, keyless.field) == (grpc.StatusCode.INVALID_ARGUMENT, "Idempotency-Key")
    key = keyed()
    first = (await shop.order.PlaceOrder(request, metadata=key)).order
    other = shop.place_request(cart_id, token="tok_mastercard")
    reused = await refused(shop.order.PlaceOrder(other, metadata=key))
    assert (reused.code, reused.reason, reused.field) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "IDEMPOTENCY_KEY_REUSED",
        "Idempotency-Key",
    )
    assert reused.metadata["key"] == key[0][1]
    call = shop.order.PlaceOrder(request, metadata=key)
    assert (await call).order == first
    assert ("omni-idempotent-replayed", "true") in tuple(await call.trailing_metadata())
