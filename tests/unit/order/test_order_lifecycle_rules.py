"""Checkout and lifecycle rules: delivery and payment choices, cancel, shipments, pickup, returns."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from order_fakes import NOW, pending_order

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import DomainError
from omni_order.domain import checkout, lifecycle, returns
from omni_order.domain.common import record

P = order_pb2
STAFF = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_STAFF, id="stf_1")
POS = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS, store_id="loc_store")


def refused(call) -> tuple[grpc.StatusCode, str | None, str]:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code, error.value.field, error.value.reason


def confirmed(mode: int = common_pb2.DELIVERY_MODE_HOME_DELIVERY, quantity: int = 2) -> P.Order:
    order = pending_order(quantity=quantity)
    order.delivery.mode = mode
    order.delivery.pickup_location_id = "loc_store" if mode != checkout.HOME else ""
    order.lines[0].source_location_ids.append("loc_store")
    record(order, "confirmed", to_status=P.ORDER_STATUS_CONFIRMED, now=NOW)
    return order


def units(*pairs: tuple[str, int]) -> list[P.LineQuantity]:
    return [P.LineQuantity(line_id=line_id, quantity=q) for line_id, q in pairs]


def test_delivery_choices_are_priced_or_refused_naming_the_field():
    home = P.DeliveryChoice(
        mode=checkout.HOME,
        option_id="home:dhl:express",
        address=common_pb2.Address(lines=["Main St 1"], city="Berlin", country_code="DE"),
    )
    delivery = checkout.delivery_for(home, "EUR", NOW)  # priced by the carriers at checkout
    assert (delivery.address.city, delivery.price.amount_minor) == ("Berlin", 0)
    no_address = P.DeliveryChoice(mode=checkout.HOME)
    assert refused(lambda: checkout.delivery_for(no_address, "EUR", NOW))[1] == "delivery.address"
    no_store = P.DeliveryChoice(mode=checkout.CLICK_AND_COLLECT)
    assert refused(lambda: checkout.delivery_for(no_store, "EUR", NOW))[1] == (
        "delivery.pickup_location_id"
    )
    assert refused(lambda: checkout.delivery_for(P.DeliveryChoice(), "EUR", NOW))[1] == (
        "delivery.mode"
    )
    assert refused(lambda: checkout.require_pickup_store("Mitte", False, True)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "delivery.pickup_location_id",
        "STORE_WITHOUT_CLICK_AND_COLLECT",
    )


def test_payment_methods_fit_the_delivery():
    cod, in_store = P.PAYMENT_METHOD_CASH_ON_DELIVERY, P.PAYMENT_METHOD_PAY_IN_STORE
    checkout.require_payment(cod, "", checkout.HOME)
    checkout.require_payment(in_store, "", checkout.CLICK_AND_COLLECT)
    assert refused(lambda: checkout.require_payment(cod, "", checkout.SHIP_TO_STORE))[1] == (
        "payment_method"
    )
    assert refused(lambda: checkout.require_payment(in_store, "", checkout.HOME))[1] == (
        "payment_method"
    )
    card = P.PAYMENT_METHOD_ONLINE_CARD
    assert refused(lambda: checkout.require_payment(card, "", checkout.HOME))[1] == "payment_token"


def test_an_empty_cart_or_one_with_changed_prices_cannot_check_out():
    cart = P.Cart(id="cart_1")
    assert refused(lambda: checkout.require_checkout(cart))[2] == "CART_EMPTY"
    cart.lines.add(sku="TEE-M", quantity=1, price_changed=True)
    cart.has_price_changes = True
    assert refused(lambda: checkout.require_checkout(cart))[2] == "PRICE_CHANGED"


def test_the_total_the_customer_saw_must_match():
    order = pending_order()
    assert order.totals.total.amount_minor == 2 * 1500 + 499
    seen = common_pb2.Money(amount_minor=3000, currency_code="EUR")
    assert refused(lambda: checkout.require_expected_total(order, seen))[1] == "expected_total"


def test_partial_then_whole_cancel_before_fulfilment():
    order = confirmed(quantity=3)
    cancel_one = lifecycle.cancellation(order, units(("l1", 1)))
    kind = lifecycle.cancel(order, cancel_one, reason=0, note="", actor=STAFF, channel=POS, now=NOW)
    assert kind == "lines_cancelled"
    assert order.status == P.ORDER_STATUS_CONFIRMED
    assert order.totals.subtotal.amount_minor == 2 * 1500
    too_many = units(("l1", 3))
    assert refused(lambda: lifecycle.cancellation(order, too_many))[1] == "lines[0].quantity"
    rest = lifecycle.cancellation(order, [])
    kind = lifecycle.cancel(
        order, rest, reason=0, note="changed my mind", actor=STAFF, channel=POS, now=NOW
    )
    assert kind == "cancelled"
    assert order.status == P.ORDER_STATUS_CANCELLED
    assert order.totals.total.amount_minor == 0
    assert order.history[-1].actor == STAFF
    assert order.history[-1].channel == POS
    assert lifecycle.cancellation(order, []) == []  # a repeat does nothing


def test_a_cancel_after_shipment_is_refused():
    order = confirmed()
    shipped = lifecycle.shipment_units(order, "loc_store", [])
    lifecycle.add_shipment(
        order,
        "shp_1",
        "loc_store",
        shipped,
        carrier="dhl",
        tracking_number="T1",
        actor=STAFF,
        channel=POS,
        now=NOW,
    )
    assert order.status == P.ORDER_STATUS_FULFILLED
    assert refused(lambda: lifecycle.cancellation(order, [])) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "order_id",
        "ORDER_ALREADY_FULFILLED",
    )


def test_home_delivery_runs_fulfilled_shipped_delivered():
    order = confirmed(quantity=3)
    first = lifecycle.shipment_units(order, "loc_store", units(("l1", 1)))
    shipment = lifecycle.add_shipment(
        order,
        "shp_1",
        "loc_store",
        first,
        carrier="",
        tracking_number="T1",
        actor=STAFF,
        channel=POS,
        now=NOW,
    )
    assert order.status == P.ORDER_STATUS_PARTIALLY_FULFILLED
    second = lifecycle.shipment_units(order, "loc_store", [])
    other = lifecycle.add_shipment(
        order,
        "shp_2",
        "loc_store",
        second,
        carrier="",
        tracking_number="T2",
        actor=STAFF,
        channel=POS,
        now=NOW,
    )
    assert order.status == P.ORDER_STATUS_FULFILLED
    assert lifecycle.ship(
        order, shipment, carrier="", tracking_number="", actor=STAFF, channel=POS, now=NOW
    )
    assert order.status == P.ORDER_STATUS_FULFILLED  # one parcel still at the warehouse
    lifecycle.ship(order, other, carrier="", tracking_number="", actor=STAFF, channel=POS, now=NOW)
    assert order.status == P.ORDER_STATUS_SHIPPED
    assert not lifecycle.ship(
        order, other, carrier="", tracking_number="", actor=STAFF, channel=POS, now=NOW
    )
    lifecycle.deliver(order, shipment, actor=STAFF, channel=POS, now=NOW)
    lifecycle.deliver(order, other, actor=STAFF, channel=POS, now=NOW)
    assert order.status == P.ORDER_STATUS_DELIVERED


def test_click_and_collect_ready_then_collected_with_the_code():
    order = confirmed(mode=checkout.CLICK_AND_COLLECT)
    deadline = NOW + timedelta(days=3)
    assert lifecycle.ready_for_pickup(order, deadline=deadline, actor=STAFF, channel=POS, now=NOW)
    assert not lifecycle.ready_for_pickup(
        order, deadline=deadline, actor=STAFF, channel=POS, now=NOW
    )
    assert len(order.pickup.code) == 6
    wrong = "000000" if order.pickup.code != "000000" else "111111"
    assert refused(lambda: lifecycle.collectable(order, wrong))[1] == "pickup_code"
    taken = lifecycle.collectable(order, order.pickup.code)
    assert [(u.line_id, u.quantity) for u in taken] == [("l1", 2)]
    lifecycle.collect(order, taken, actor=STAFF, channel=POS, now=NOW)
    assert order.status == P.ORDER_STATUS_COLLECTED
    assert order.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    assert [e.action for e in order.history][-2:] == ["ready_for_pickup", "collected"]


def test_home_orders_are_not_picked_up():
    order = confirmed()
    with pytest.raises(DomainError) as error:
        lifecycle.ready_for_pickup(order, deadline=NOW, actor=STAFF, channel=POS, now=NOW)
    assert error.value.reason == "NOT_A_PICKUP_ORDER"


def test_an_uncollected_pickup_is_cancelled():
    order = confirmed(mode=checkout.CLICK_AND_COLLECT)
    lifecycle.ready_for_pickup(order, deadline=NOW, actor=STAFF, channel=POS, now=NOW)
    assert lifecycle.remind(order, NOW) == 1
    at_store = lifecycle.abandon_pickup(order, NOW)
    assert at_store == []  # still reserved at the store: released, not returned
    assert order.status == P.ORDER_STATUS_CANCELLED
    assert order.cancellation_reason == P.CANCELLATION_REASON_PICKUP_NOT_COLLECTED


def collected_order() -> P.Order:
    order = confirmed(mode=checkout.CLICK_AND_COLLECT)
    lifecycle.ready_for_pickup(order, deadline=NOW, actor=STAFF, channel=POS, now=NOW)
    lifecycle.collect(
        order, lifecycle.collectable(order, order.pickup.code), actor=STAFF, channel=POS, now=NOW
    )
    return order


def test_returns_refund_what_came_back_and_exchanges_add_a_line():
    order = collected_order()
    asked = [
        P.ReturnLine(line_id="l1", quantity=1),
        P.ReturnLine(
            line_id="l1", quantity=1, resolution=P.RETURN_RESOLUTION_EXCHANGE, exchange_sku="TEE-L"
        ),
    ]
    lines = returns.returned_lines(order, asked)
    assert lines[0].refund_amount.amount_minor == 1500
    assert lines[0].condition == common_pb2.ITEM_CONDITION_SELLABLE
    lines[1].exchange_line_id = "x2"
    order_return = P.OrderReturn(
        id="ret_1", lines=lines, receiving_location_id="loc_other", actor=STAFF, channel=POS
    )
    refund = P.Refund(
        id="rf_1", amount=returns.refund_total(lines, "EUR"), status=P.REFUND_STATUS_SUCCEEDED
    )
    returns.apply_return(order, order_return, refund, now=NOW)
    assert order.status == P.ORDER_STATUS_RETURNED
    assert order.payments[0].status == P.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert order.totals.refunded.amount_minor == 1500
    replacement = order.lines[-1]
    assert (replacement.sku, replacement.exchange_for_line_id, replacement.line_id) == (
        "TEE-L",
        "l1",
        "x2",
    )
    assert [e.action for e in order.history][-2:] == ["return_received", "refund_recorded"]
    again = [P.ReturnLine(line_id="l1", quantity=1)]
    assert refused(lambda: returns.returned_lines(order, again))[1] in (
        "order_id",
        "lines[0].quantity",
    )


def test_nothing_comes_back_before_the_customer_has_it():
    order = confirmed()
    assert refused(lambda: returns.returned_lines(order, [P.ReturnLine(line_id="l1", quantity=1)]))[
        2
    ] == ("ORDER_NOT_RETURNABLE")


def card_order(status: int, captured: int = 0, quantity: int = 3) -> P.Order:
    order = confirmed(quantity=quantity)
    payment = order.payments[0]
    payment.status = status
    payment.captured_amount.CopyFrom(common_pb2.Money(amount_minor=captured, currency_code="EUR"))
    return order


def cancel_units(order: P.Order, *pairs: tuple[str, int]) -> list[P.LineQuantity]:
    asked = lifecycle.cancellation(order, units(*pairs))
    lifecycle.cancel(order, asked, reason=0, note="", actor=STAFF, channel=POS, now=NOW)
    return asked


def test_a_cancelled_order_voids_its_authorization_and_a_partial_cancel_leaves_it():
    whole = card_order(P.PAYMENT_STATUS_AUTHORIZED)
    gone = lifecycle.cancellation(whole, [])
    lifecycle.cancel(whole, gone, reason=0, note="", actor=STAFF, channel=POS, now=NOW)
    assert whole.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED  # until the provider voids it
    assert lifecycle.cancellation_payments(whole, gone) == [
        lifecycle.PaymentAction("void", "pay_1", common_pb2.Money(currency_code="EUR"))
    ]
    lifecycle.voided(whole.payments[0], NOW)
    assert whole.payments[0].status == P.PAYMENT_STATUS_VOIDED

    part = card_order(P.PAYMENT_STATUS_AUTHORIZED)
    assert lifecycle.cancellation_payments(part, cancel_units(part, ("l1", 1))) == []
    cash = card_order(P.PAYMENT_STATUS_PENDING)
    cash.payments[0].method = P.PAYMENT_METHOD_CASH_ON_DELIVERY
    assert lifecycle.cancellation_payments(cash, lifecycle.cancellation(cash, [])) == []


def test_cancelled_units_get_back_what_was_captured_for_them():
    order = card_order(P.PAYMENT_STATUS_CAPTURED, captured=3 * 1500 + 499)
    [action] = lifecycle.cancellation_payments(order, cancel_units(order, ("l1", 1)))
    assert (action.kind, action.amount.amount_minor) == ("refund", 1500)
    lifecycle.refunded(
        order,
        order.payments[0],
        P.Refund(id="rf_1", amount=action.amount, status=P.REFUND_STATUS_SUCCEEDED),
        NOW,
    )
    assert order.payments[0].status == P.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert order.totals.refunded.amount_minor == 1500
    # the rest of the order cancelled too: everything still captured comes back
    [rest] = lifecycle.cancellation_payments(order, cancel_units(order, ("l1", 2)))
    assert (rest.kind, rest.amount.amount_minor) == ("refund", 2 * 1500 + 499)


def test_a_refund_the_provider_refused_is_recorded_but_gives_nothing_back():
    order = card_order(P.PAYMENT_STATUS_CAPTURED, captured=1000)
    refund = P.Refund(
        id="rf_1",
        amount=common_pb2.Money(amount_minor=1000, currency_code="EUR"),
        status=P.REFUND_STATUS_FAILED,
    )
    lifecycle.add_refund(order.payments[0], refund, NOW)
    assert [r.id for r in order.payments[0].refunds] == ["rf_1"]
    assert order.payments[0].refunded_amount.amount_minor == 0
    assert order.payments[0].status == P.PAYMENT_STATUS_CAPTURED
