"""What the payment provider sees, read from the test provider's own ledger in the real store:
each operation once per key, a cancel voids the authorization, a return's refund reaches the
provider once, an uncollected pickup gives its authorization back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from order_shop import ADDRESS, CLICK_AND_COLLECT, STAFF, WEB, eur, holding, keyed, ledger

from omni.order.v1 import order_pb2
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp
from omni_order.domain import checkout, lifecycle
from omni_order.domain.common import record
from omni_order.domain.orders import (
    Address,
    CancellationReason,
    Delivery,
    LineQuantity,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from omni_order.domain.tax import quote
from omni_order.domain.values import Money
from omni_order.messages import actor, channel_ref, from_message
from omni_order.payments import (
    LEDGER,
    PaymentProviders,
    TestPaymentProvider,
    settle_cancellation,
)
from omni_order.store.documents import from_document, to_document

P = order_pb2


async def confirmed_card_order(shop, quantity: int = 3, **place) -> tuple[P.Order, str]:
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", 10)
    cart = await shop.add((await shop.cart()).id, "TEE-M", quantity)
    order = await shop.place(cart.id, **place)
    assert order.status == P.ORDER_STATUS_CONFIRMED
    assert order.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    return order, warehouse


async def test_the_test_provider_does_each_operation_once_per_key_and_counts_repeats(
    mongo, db_name
):
    provider = TestPaymentProvider(mongo[db_name][LEDGER])
    first = await provider.authorize("pay_1", eur(4999), "tok_visa")
    assert (first.approved, first.reference) == (True, "test_auth_pay_1")
    assert await provider.authorize("pay_1", eur(4999), "tok_decline") == first  # a replay
    await asyncio.gather(provider.void("pay_1"), provider.void("pay_1"), provider.void("pay_1"))

    await provider.authorize("pay_2", eur(3000), "tok_visa")
    captured = await provider.capture("pay_2", eur(3000))
    refunds = await asyncio.gather(*(provider.refund("pay_2", "rf_a", eur(1000)) for _ in range(3)))
    assert all(r.approved and r.reference == "test_refund_rf_a" for r in refunds)
    too_much = await provider.refund("pay_2", "rf_b", eur(2500))
    assert not too_much.approved and "left to refund" in too_much.reason
    declined = await provider.authorize("pay_3", eur(100), "tok_decline_stolen")
    assert not declined.approved and "declined" in declined.reason

    voided = await mongo[db_name][LEDGER].find_one({"_id": "pay_1"})
    assert voided["authorize"]["approved"] and voided["authorize"]["repeats"] == 1
    assert voided["authorize"]["amount_minor"] == 4999
    assert voided["void"]["repeats"] == 2 and voided["void"]["had_authorization"]
    assert voided["void"]["at"] <= voided["void"]["repeated_at"]
    paid = await mongo[db_name][LEDGER].find_one({"_id": "pay_2"})
    assert captured.approved and paid["capture"]["amount_minor"] == 3000
    assert [(r["key"], r["approved"], r["repeats"]) for r in paid["refunds"]] == [
        ("rf_a", True, 2),
        ("rf_b", False, 0),
    ]


async def test_cancelling_an_order_voids_its_authorization_once_and_releases_its_stock(
    shop, mongo, db_name
):
    order, warehouse = await confirmed_card_order(shop)
    assert (await shop.level("TEE-M", warehouse)).reserved == 3
    partly = P.CancelOrderRequest(
        order_id=order.id, lines=[P.LineQuantity(line_id="l1", quantity=1)]
    )
    await shop.order.CancelOrder(partly, metadata=keyed())
    assert "void" not in await ledger(mongo, db_name, order.payments[0].id)
    assert (await shop.level("TEE-M", warehouse)).reserved == 2  # the cancelled unit is free

    whole, key = P.CancelOrderRequest(order_id=order.id, actor=STAFF), keyed()
    reply = await shop.order.CancelOrder(whole, metadata=key)
    assert reply.order.status == P.ORDER_STATUS_CANCELLED
    await shop.order.CancelOrder(whole, metadata=key)  # the same request again
    await shop.order.CancelOrder(P.CancelOrderRequest(order_id=order.id), metadata=keyed())
    await shop.order.CancelOrder(P.CancelOrderRequest(order_id=order.id))  # and without a key

    seen = await ledger(mongo, db_name, order.payments[0].id)
    assert seen["authorize"]["approved"] and seen["authorize"]["repeats"] == 0
    assert seen["authorize"]["amount_minor"] == 3 * 1500 + 499
    assert seen["void"]["had_authorization"]
    assert seen["void"]["repeats"] == 0  # voided exactly once
    assert "refunds" not in seen
    level = await shop.level("TEE-M", warehouse)
    assert (level.on_hand, level.reserved, level.available) == (10, 0, 10)
    assert await holding(shop, "TEE-M") == []


async def test_a_returns_refund_reaches_the_provider_once(shop, mongo, db_name):
    order, warehouse = await confirmed_card_order(shop, quantity=2)
    await shop.order.CreateShipment(
        P.CreateShipmentRequest(order_id=order.id, source_location_id=warehouse),
        metadata=keyed(),
    )
    request, key = (
        P.CreateReturnRequest(
            order_id=order.id,
            lines=[P.ReturnLine(line_id="l1", quantity=1, reason="too small")],
            receiving_location_id=warehouse,
            actor=STAFF,
        ),
        keyed(),
    )
    first = await shop.order.CreateReturn(request, metadata=key)
    again = await shop.order.CreateReturn(request, metadata=key)
    assert again.order_return.id == first.order_return.id
    [refund] = first.order.payments[0].refunds
    assert refund.status == P.REFUND_STATUS_SUCCEEDED

    seen = await ledger(mongo, db_name, order.payments[0].id)
    assert [
        (r["key"], r["amount_minor"], r["approved"], r["repeats"]) for r in seen["refunds"]
    ] == [(refund.id, 1500, True, 0)]
    assert refund.provider_ref == f"test_refund_{refund.id}"
    assert "void" not in seen

    second = await shop.order.CreateReturn(
        P.CreateReturnRequest(
            order_id=order.id,
            lines=[P.ReturnLine(line_id="l1", quantity=1)],
            receiving_location_id=warehouse,
        ),
        metadata=keyed(),
    )
    assert second.order.payments[0].refunded_amount.amount_minor == 3000
    seen = await ledger(mongo, db_name, order.payments[0].id)
    assert [(r["amount_minor"], r["repeats"]) for r in seen["refunds"]] == [(1500, 0), (1500, 0)]


async def test_an_uncollected_card_pickup_voids_the_authorization_and_frees_the_stock(
    shop, mongo, db_name
):
    await shop.product("TEE-M", 1500)
    store = await shop.location("MITTE")
    await shop.receive(store, "TEE-M", 4)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 2)
    pickup = P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id=store)
    order = await shop.place(cart.id, delivery=pickup)
    assert order.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    await shop.order_app.stop(grace=0)
    _, sweeping = await shop.start_order(pickup_sweep_interval_seconds=0.2)
    shop.order = sweeping
    deadline = to_timestamp(utcnow() + timedelta(seconds=1))
    await sweeping.MarkReadyForPickup(
        P.MarkReadyForPickupRequest(order_id=order.id, pickup_deadline=deadline)
    )

    done = await shop.eventually(order.id, P.ORDER_STATUS_CANCELLED)
    assert done.cancellation_reason == P.CANCELLATION_REASON_PICKUP_NOT_COLLECTED
    assert done.payments[0].status == P.PAYMENT_STATUS_VOIDED
    seen = await ledger(mongo, db_name, order.payments[0].id)
    assert (seen["void"]["repeats"], seen["void"]["had_authorization"]) == (0, True)
    level = await shop.level("TEE-M", store)
    assert (level.on_hand, level.reserved, level.available) == (4, 0, 4)
    assert await holding(shop, "TEE-M") == []


async def test_cancelled_units_already_captured_are_refunded_once_even_when_retried(mongo, db_name):
    provider = TestPaymentProvider(mongo[db_name][LEDGER])
    providers = PaymentProviders({"test": provider}, {"*:online_card": "test"})
    now = utcnow()
    staff, web = actor(STAFF), channel_ref(WEB)
    order = checkout.new_order(
        order_id="ord_captured",
        payment_id="pay_captured",
        lines=(lines := [OrderLine("l1", "TEE-M", quantity=3, unit_price=Money(1500, "EUR"))]),
        tax=quote(checkout.taxable_lines(lines), {}, "PL", prices_include_tax=True),
        currency="EUR",
        delivery=Delivery(
            mode=checkout.HOME, address=from_message(ADDRESS, Address), price=Money(499, "EUR")
        ),
        payment_method=PaymentMethod.ONLINE_CARD,
        channel=web,
        actor=staff,
        now=now,
    )
    payment = order.payments[0]
    await provider.authorize(payment.id, payment.amount, "tok_visa")
    assert (await provider.capture(payment.id, payment.amount)).approved
    payment.status = PaymentStatus.CAPTURED
    payment.captured_amount = payment.amount
    record(order, "confirmed", to_status=OrderStatus.CONFIRMED, now=now)
    asked = [LineQuantity(line_id="l1", quantity=1)]

    async def cancel_one_unit() -> tuple[Order, list]:
        # The stored order, as a retry after a failed save reads it again.
        copy = from_document(to_document(order), Order)
        units = lifecycle.cancellation(copy, asked)
        reason = CancellationReason.UNSPECIFIED
        lifecycle.cancel(copy, units, reason=reason, note="", actor=staff, channel=web, now=now)
        return copy, await settle_cancellation(providers, copy, units, now)

    cancelled, specs = await cancel_one_unit()
    await cancel_one_unit()
    [(kind, fields)] = specs
    assert kind == "refund_recorded" and fields["refund"].amount.amount_minor == 1500
    assert cancelled.payments[0].status == PaymentStatus.PARTIALLY_REFUNDED
    assert cancelled.totals.refunded.amount_minor == 1500
    seen = await mongo[db_name][LEDGER].find_one({"_id": payment.id})
    assert [(r["amount_minor"], r["approved"], r["repeats"]) for r in seen["refunds"]] == [
        (1500, True, 1)
    ]
    assert seen["capture"]["amount_minor"] == 3 * 1500 + 499


async def test_cash_on_delivery_is_a_provider_the_courier_settles_at_delivery(shop):
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    await shop.receive(warehouse, "TEE-M", 10)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 2)
    order = await shop.place(cart.id, method=P.PAYMENT_METHOD_CASH_ON_DELIVERY)
    assert order.status == P.ORDER_STATUS_CONFIRMED
    payment = order.payments[0]
    assert (payment.provider, payment.status) == ("cash_on_delivery", P.PAYMENT_STATUS_PENDING)
    shipped = await shop.order.CreateShipment(
        P.CreateShipmentRequest(order_id=order.id, source_location_id=warehouse, actor=STAFF),
        metadata=keyed(),
    )
    assert shipped.order.payments[0].status == P.PAYMENT_STATUS_PENDING  # nothing to capture
    shipment = shipped.shipment.id
    await shop.order.MarkShipped(
        P.MarkShippedRequest(order_id=order.id, shipment_id=shipment), metadata=keyed()
    )
    delivered = await shop.order.MarkDelivered(
        P.MarkDeliveredRequest(order_id=order.id, shipment_id=shipment), metadata=keyed()
    )
    paid = delivered.order.payments[0]
    assert paid.status == P.PAYMENT_STATUS_CAPTURED
    assert paid.captured_amount.amount_minor == delivered.order.totals.total.amount_minor == 3499
