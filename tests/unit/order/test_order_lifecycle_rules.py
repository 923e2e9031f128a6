"""Checkout and lifecycle rules: delivery and payment choices, cancel, shipments, pickup, returns."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from order_fakes import NOW, pending_order

from omni_kit.errors import DomainError
from omni_order.domain import checkout, lifecycle, returns
from omni_order.domain.carts import Cart, CartLine
from omni_order.domain.checkout import DeliveryChoice
from omni_order.domain.common import record
from omni_order.domain.orders import (
    Address,
    CancellationReason,
    Delivery,
    DeliveryMode,
    LineQuantity,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from omni_order.domain.returns import ItemCondition, OrderReturn, ReturnLine, ReturnResolution
from omni_order.domain.tax import TaxClass, quote
from omni_order.domain.values import Actor, ActorKind, ChannelRef, Money, SalesChannel

STAFF = Actor(ActorKind.STAFF, "stf_1")
POS = ChannelRef(SalesChannel.POS, store_id="loc_store")
ANY = CancellationReason.UNSPECIFIED


def refused(call) -> tuple[grpc.StatusCode, str | None, str]:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code, error.value.field, error.value.reason


def confirmed(mode: DeliveryMode = DeliveryMode.HOME_DELIVERY, quantity: int = 2) -> Order:
    order = pending_order(quantity=quantity)
    order.delivery.mode = mode
    order.delivery.pickup_location_id = "loc_store" if mode != checkout.HOME else ""
    order.lines[0].source_location_ids.append("loc_store")
    record(order, "confirmed", to_status=OrderStatus.CONFIRMED, now=NOW)
    return order


def units(*pairs: tuple[str, int]) -> list[LineQuantity]:
    return [LineQuantity(line_id=line_id, quantity=q) for line_id, q in pairs]


def test_delivery_choices_are_priced_or_refused_naming_the_field():
    home = DeliveryChoice(
        mode=checkout.HOME,
        option_id="home:dhl:express",
        address=Address(lines=["Main St 1"], city="Berlin", country_code="DE"),
    )
    delivery = checkout.delivery_for(home, "EUR", NOW)  # priced by the carriers at checkout
    assert delivery.address is not None
    assert (delivery.address.city, delivery.price.amount_minor) == ("Berlin", 0)
    no_address = DeliveryChoice(mode=checkout.HOME)
    assert refused(lambda: checkout.delivery_for(no_address, "EUR", NOW))[1] == "delivery.address"
    no_store = DeliveryChoice(mode=checkout.CLICK_AND_COLLECT)
    assert refused(lambda: checkout.delivery_for(no_store, "EUR", NOW))[1] == (
        "delivery.pickup_location_id"
    )
    assert refused(lambda: checkout.delivery_for(DeliveryChoice(), "EUR", NOW))[1] == (
        "delivery.mode"
    )
    assert refused(lambda: checkout.require_pickup_store("Mitte", False, True)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "delivery.pickup_location_id",
        "STORE_WITHOUT_CLICK_AND_COLLECT",
    )


def test_payment_methods_fit_the_delivery():
    cod, in_store = PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.PAY_IN_STORE
    checkout.require_payment(cod, "", checkout.HOME)
    checkout.require_payment(in_store, "", checkout.CLICK_AND_COLLECT)
    assert refused(lambda: checkout.require_payment(cod, "", checkout.SHIP_TO_STORE))[1] == (
        "payment_method"
    )
    assert refused(lambda: checkout.require_payment(in_store, "", checkout.HOME))[1] == (
        "payment_method"
    )
    card = PaymentMethod.ONLINE_CARD
    assert refused(lambda: checkout.require_payment(card, "", checkout.HOME))[1] == "payment_token"


def test_an_empty_cart_or_one_with_changed_prices_cannot_check_out():
    cart = Cart(id="cart_1")
    assert refused(lambda: checkout.require_checkout(cart))[2] == "CART_EMPTY"
    cart.lines.append(CartLine(line_id="cl_1", sku="TEE-M", quantity=1, price_changed=True))
    cart.has_price_changes = True
    assert refused(lambda: checkout.require_checkout(cart))[2] == "PRICE_CHANGED"


def test_the_total_the_customer_saw_must_match():
    order = pending_order()
    assert order.totals.total.amount_minor == 2 * 1500 + 499
    seen = Money(3000, "EUR")
    assert refused(lambda: checkout.require_expected_total(order, seen))[1] == "expected_total"


def test_partial_then_whole_cancel_before_fulfilment():
    order = confirmed(quantity=3)
    cancel_one = lifecycle.cancellation(order, units(("l1", 1)))
    kind = lifecycle.cancel(
        order, cancel_one, reason=ANY, note="", actor=STAFF, channel=POS, now=NOW
    )
    assert kind == "lines_cancelled"
    assert order.status == OrderStatus.CONFIRMED
    assert order.totals.subtotal.amount_minor == 2 * 1500
    too_many = units(("l1", 3))
    assert refused(lambda: lifecycle.cancellation(order, too_many))[1] == "lines[0].quantity"
    rest = lifecycle.cancellation(order, [])
    kind = lifecycle.cancel(
        order, rest, reason=ANY, note="changed my mind", actor=STAFF, channel=POS, now=NOW
    )
    assert kind == "cancelled"
    assert order.status == OrderStatus.CANCELLED
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
    assert order.status == OrderStatus.FULFILLED
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
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
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
    assert order.status == OrderStatus.FULFILLED
    assert lifecycle.ship(
        order, shipment, carrier="", tracking_number="", actor=STAFF, channel=POS, now=NOW
    )
    assert order.status == OrderStatus.FULFILLED  # one parcel still at the warehouse
    lifecycle.ship(order, other, carrier="", tracking_number="", actor=STAFF, channel=POS, now=NOW)
    assert order.status == OrderStatus.SHIPPED
    assert not lifecycle.ship(
        order, other, carrier="", tracking_number="", actor=STAFF, channel=POS, now=NOW
    )
    lifecycle.deliver(order, shipment, actor=STAFF, channel=POS, now=NOW)
    lifecycle.deliver(order, other, actor=STAFF, channel=POS, now=NOW)
    assert order.status == OrderStatus.DELIVERED


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
    assert order.status == OrderStatus.COLLECTED
    assert order.payments[0].status == PaymentStatus.CAPTURED
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
    assert order.status == OrderStatus.CANCELLED
    assert order.cancellation_reason == CancellationReason.PICKUP_NOT_COLLECTED


def collected_order() -> Order:
    order = confirmed(mode=checkout.CLICK_AND_COLLECT)
    lifecycle.ready_for_pickup(order, deadline=NOW, actor=STAFF, channel=POS, now=NOW)
    assert order.pickup is not None
    lifecycle.collect(
        order, lifecycle.collectable(order, order.pickup.code), actor=STAFF, channel=POS, now=NOW
    )
    return order


def test_returns_refund_what_came_back_and_exchanges_add_a_line():
    order = collected_order()
    asked = [
        ReturnLine(line_id="l1", quantity=1),
        ReturnLine(
            line_id="l1", quantity=1, resolution=ReturnResolution.EXCHANGE, exchange_sku="TEE-L"
        ),
    ]
    lines = returns.number_exchanges(returns.returned_lines(order, asked), len(order.lines))
    assert lines[0].refund_amount == Money(1500, "EUR")
    assert lines[0].condition == ItemCondition.SELLABLE
    assert lines[1].exchange_line_id == "x2"
    order_return = OrderReturn(
        id="ret_1", lines=lines, receiving_location_id="loc_other", actor=STAFF, channel=POS
    )
    refund = Refund(
        id="rf_1", amount=returns.refund_total(lines, "EUR"), status=RefundStatus.SUCCEEDED
    )
    returns.apply_return(order, order_return, refund, now=NOW)
    assert order.status == OrderStatus.RETURNED
    assert order.payments[0].status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.totals.refunded.amount_minor == 1500
    replacement = order.lines[-1]
    assert (replacement.sku, replacement.exchange_for_line_id, replacement.line_id) == (
        "TEE-L",
        "l1",
        "x2",
    )
    assert [e.action for e in order.history][-2:] == ["return_received", "refund_recorded"]
    again = [ReturnLine(line_id="l1", quantity=1)]
    assert refused(lambda: returns.returned_lines(order, again))[1] in (
        "order_id",
        "lines[0].quantity",
    )


def test_nothing_comes_back_before_the_customer_has_it():
    order = confirmed()
    assert refused(lambda: returns.returned_lines(order, [ReturnLine(line_id="l1", quantity=1)]))[
        2
    ] == ("ORDER_NOT_RETURNABLE")


def card_order(status: PaymentStatus, captured: int = 0, quantity: int = 3) -> Order:
    order = confirmed(quantity=quantity)
    payment = order.payments[0]
    payment.status = status
    payment.captured_amount = Money(captured, "EUR")
    return order


def cancel_units(order: Order, *pairs: tuple[str, int]) -> list[LineQuantity]:
    asked = lifecycle.cancellation(order, units(*pairs))
    lifecycle.cancel(order, asked, reason=ANY, note="", actor=STAFF, channel=POS, now=NOW)
    return asked


def test_a_cancelled_order_voids_its_authorization_and_a_partial_cancel_leaves_it():
    whole = card_order(PaymentStatus.AUTHORIZED)
    gone = lifecycle.cancellation(whole, [])
    lifecycle.cancel(whole, gone, reason=ANY, note="", actor=STAFF, channel=POS, now=NOW)
    assert whole.payments[0].status == PaymentStatus.AUTHORIZED  # until the provider voids it
    assert lifecycle.cancellation_payments(whole, gone) == [
        lifecycle.PaymentAction("void", "pay_1", Money(0, "EUR"))
    ]
    lifecycle.voided(whole.payments[0], NOW)
    assert whole.payments[0].status == PaymentStatus.VOIDED

    part = card_order(PaymentStatus.AUTHORIZED)
    assert lifecycle.cancellation_payments(part, cancel_units(part, ("l1", 1))) == []
    cash = card_order(PaymentStatus.PENDING)
    cash.payments[0].method = PaymentMethod.CASH_ON_DELIVERY
    assert lifecycle.cancellation_payments(cash, lifecycle.cancellation(cash, [])) == []


def test_cancelled_units_get_back_what_was_captured_for_them():
    order = card_order(PaymentStatus.CAPTURED, captured=3 * 1500 + 499)
    [action] = lifecycle.cancellation_payments(order, cancel_units(order, ("l1", 1)))
    assert (action.kind, action.amount.amount_minor) == ("refund", 1500)
    lifecycle.refunded(
        order,
        order.payments[0],
        Refund(id="rf_1", amount=action.amount, status=RefundStatus.SUCCEEDED),
        NOW,
    )
    assert order.payments[0].status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.totals.refunded.amount_minor == 1500
    # the rest of the order cancelled too: everything still captured comes back
    [rest] = lifecycle.cancellation_payments(order, cancel_units(order, ("l1", 2)))
    assert (rest.kind, rest.amount.amount_minor) == ("refund", 2 * 1500 + 499)


def test_a_refund_the_provider_refused_is_recorded_but_gives_nothing_back():
    order = card_order(PaymentStatus.CAPTURED, captured=1000)
    refund = Refund(id="rf_1", amount=Money(1000, "EUR"), status=RefundStatus.FAILED)
    lifecycle.add_refund(order.payments[0], refund, NOW)
    assert [r.id for r in order.payments[0].refunds] == ["rf_1"]
    assert order.payments[0].refunded == 0
    assert order.payments[0].status == PaymentStatus.CAPTURED


def test_a_cancellation_refund_carries_the_tax_of_the_units_and_of_the_delivery():
    lines = pending_order(quantity=3).lines
    delivery = Delivery(mode=DeliveryMode.HOME_DELIVERY, price=Money(499, "EUR"))
    taxed = quote(checkout.taxable_order(lines, delivery), {TaxClass.STANDARD: 2300}, "PL", True)
    order = checkout.new_order(
        order_id="ord_2",
        payment_id="pay_1",
        lines=lines,
        tax=taxed,
        currency="EUR",
        delivery=delivery,
        payment_method=PaymentMethod.ONLINE_CARD,
        channel=ChannelRef(SalesChannel.WEB),
        actor=STAFF,
        now=NOW,
    )
    record(order, "confirmed", to_status=OrderStatus.CONFIRMED, now=NOW)
    # 3 x 15.00 with 23 % in it: tax 841; the 4.99 delivery: tax 93, at the same rate.
    assert order.delivery.tax is not None and order.delivery.tax.tax.amount_minor == 93
    assert [(t.rate_basis_points, t.tax.amount_minor) for t in order.totals.tax_lines] == [
        (2300, 841 + 93)
    ]
    assert order.totals.net.amount_minor + order.totals.tax.amount_minor == 4500 + 499
    payment = order.payments[0]
    payment.status, payment.captured_amount = PaymentStatus.CAPTURED, order.totals.total

    [part] = lifecycle.cancellation_payments(order, cancel_units(order, ("l1", 1)))
    assert (part.amount.amount_minor, part.tax) == (1500, Money(841 // 3, "EUR"))
    refund = Refund(id="rf_1", amount=part.amount, tax=part.tax, status=RefundStatus.SUCCEEDED)
    lifecycle.refunded(order, payment, refund, NOW)
    assert order.totals.refunded_tax == Money(280, "EUR")
    # The rest: the two units left and the delivery, with their tax; together all it charged.
    [rest] = lifecycle.cancellation_payments(order, cancel_units(order, ("l1", 2)))
    assert (rest.amount.amount_minor, rest.tax) == (3000 + 499, Money(841 - 280 + 93, "EUR"))
    assert order.totals.tax == Money(0, "EUR") and order.totals.total == Money(0, "EUR")
