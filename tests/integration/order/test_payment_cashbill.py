"""The CashBill adapter against a stateful CashBill fake over HTTP: a signed payment whose
redirect the customer follows, a notification (md5-signed GET) after which the status is asked
for, a charge at once (nothing to capture), money back as a staff task (no refund API), a
decline, forged, unknown, repeated and late notifications, and a payment request whose answer
is lost (retried; the customer pays once)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fakes.cashbill_fake import SIGNED, notification_query, sha1
from order_shop import STAFF, WEB, keyed, refused
from payment_shop import CASHBILL_SECRET, CASHBILL_SHOP, paying

from omni.order.v1 import order_pb2

P = order_pb2


@pytest.fixture
async def cashbill(shop, db_name):
    async with paying(shop, db_name, "cashbill") as ready:
        yield ready


async def paid(cashbill) -> P.Order:
    order = await cashbill.shop.place(await cashbill.stocked_cart(), token="")
    assert order.status == P.ORDER_STATUS_ACTION_REQUIRED
    await cashbill.follow(order.payments[0].next_action)
    done = await cashbill.shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    assert done.status == P.ORDER_STATUS_CONFIRMED, done.status_reason
    return done


def notification(transaction: str, secret: str = CASHBILL_SECRET):
    return P.HandlePaymentCallbackRequest(
        provider="cashbill", http_method="GET", query=notification_query(secret, transaction)
    )


async def test_the_signed_payment_is_a_redirect_and_the_notification_confirms_it(cashbill):
    order = await cashbill.shop.place(await cashbill.stocked_cart(), token="")
    action = order.payments[0].next_action
    transaction = order.payments[0].provider_ref
    assert action.kind == "redirect" and action.url == f"{cashbill.fake.base}/pay/{transaction}"
    [create] = [r for r in cashbill.fake.requests if r.method == "POST"]
    form = create.form()
    assert create.path == f"/ws/rest/payment/{CASHBILL_SHOP}"
    assert form["sign"] == sha1("".join(form.get(f, "") for f in SIGNED) + CASHBILL_SECRET)
    assert (form["amount.value"], form["amount.currencyCode"]) == ("49.99", "EUR")
    assert form["additionalData"] == order.payments[0].id

    back = await cashbill.follow(action)
    assert back == f"http://shop.invalid/orders/{order.id}"
    done = await cashbill.shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    # Charged at once: the payment is captured when the order is confirmed.
    assert done.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    assert done.payments[0].captured_amount.amount_minor == 4999
    await cashbill.fake.settle()
    assert cashbill.relay.answers == [(200, b"OK")]
    asked = [r for r in cashbill.fake.requests if r.method == "GET" and "/ws/rest/" in r.path]
    assert asked and asked[-1].query["sign"] == sha1(transaction + CASHBILL_SECRET)


async def test_fulfilment_charges_nothing_more_and_money_back_is_a_staff_task(cashbill):
    shop = cashbill.shop
    done = await paid(cashbill)
    warehouse = done.lines[0].source_location_ids[0]
    await shop.order.CancelOrder(
        P.CancelOrderRequest(
            order_id=done.id, lines=[P.LineQuantity(line_id="l1", quantity=1)], actor=STAFF
        ),
        metadata=keyed(),
    )
    shipped = await shop.order.CreateShipment(
        P.CreateShipmentRequest(order_id=done.id, source_location_id=warehouse, actor=STAFF),
        metadata=keyed(),
    )
    returned = await shop.order.CreateReturn(
        P.CreateReturnRequest(
            order_id=done.id,
            receiving_location_id=warehouse,
            lines=[P.ReturnLine(line_id="l1", quantity=1)],
            channel=WEB,
            actor=STAFF,
        ),
        metadata=keyed(),
    )
    refunds = returned.order.payments[0].refunds
    assert [r.status for r in refunds] == [P.REFUND_STATUS_STAFF_ACTION] * 2
    assert [r.amount.amount_minor for r in refunds] == [1500, 1500]
    assert "provider's panel" in refunds[0].reason
    assert shipped.order.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    assert returned.order.payments[0].refunded_amount.amount_minor == 0  # not pretended
    assert cashbill.fake.charged() == Decimal("49.99")
    assert [r.method for r in cashbill.fake.requests if "/pay/" not in r.path].count("POST") == 1

    # Staff refund it in CashBill's panel and say so: now it counts, once.
    made = P.CompleteStaffRefundRequest(
        order_id=done.id, refund_id=refunds[0].id, provider_ref="CB-REFUND-1", actor=STAFF
    )
    completed = (await shop.order.CompleteStaffRefund(made, metadata=keyed())).order
    payment = completed.payments[0]
    assert payment.refunds[0].status == P.REFUND_STATUS_SUCCEEDED
    assert payment.refunds[0].provider_ref == "CB-REFUND-1"
    assert payment.refunded_amount.amount_minor == 1500
    assert payment.status == P.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert completed.totals.refunded.amount_minor == 1500
    again = (await shop.order.CompleteStaffRefund(made, metadata=keyed())).order
    assert again.version == completed.version
    unknown = await refused(
        shop.order.CompleteStaffRefund(
            P.CompleteStaffRefundRequest(order_id=done.id, refund_id="rf_nothing"),
            metadata=keyed(),
        )
    )
    assert unknown.reason == "REFUND_NOT_FOUND"


async def test_a_failed_payment_fails_the_order(cashbill):
    order = await cashbill.shop.place(await cashbill.stocked_cart(), token="")
    await cashbill.follow(order.payments[0].next_action, outcome="fail")
    failed = await cashbill.shop.eventually(order.id, P.ORDER_STATUS_PAYMENT_FAILED, timeout=10)
    assert failed.payments[0].status == P.PAYMENT_STATUS_DECLINED
    assert cashbill.fake.charged() == 0


async def test_forged_and_unknown_notifications_change_nothing(cashbill):
    shop = cashbill.shop
    order = await shop.place(await cashbill.stocked_cart(), token="")
    transaction = order.payments[0].provider_ref
    forged = await refused(shop.order.HandlePaymentCallback(notification(transaction, "guess")))
    assert forged.reason == "CALLBACK_SIGNATURE_INVALID"
    unknown = await refused(shop.order.HandlePaymentCallback(notification("TEST_999999")))
    assert unknown.reason == "PAYMENT_NOT_FOUND"
    still = await shop.get(order.id)
    assert still.version == order.version and still.status == P.ORDER_STATUS_ACTION_REQUIRED


async def test_a_repeated_and_a_late_notification_have_no_second_effect(cashbill):
    done = await paid(cashbill)
    await cashbill.fake.settle()
    cashbill.fake.control("resend_last_callback", {})
    await cashbill.fake.settle()
    late = await cashbill.shop.order.HandlePaymentCallback(
        notification(done.payments[0].provider_ref)
    )
    assert late.body == b"OK"
    assert cashbill.relay.answers == [(200, b"OK"), (200, b"OK")]
    after = await cashbill.shop.get(done.id)
    assert after.version == done.version


async def test_a_payment_request_whose_answer_is_lost_is_asked_again_and_paid_once(cashbill):
    cashbill.fake.control("delay", {"seconds": 2.5, "times": 1})
    order = await cashbill.shop.place(await cashbill.stocked_cart(), token="")
    waiting = await cashbill.shop.eventually(order.id, P.ORDER_STATUS_ACTION_REQUIRED, timeout=15)
    assert waiting.status == P.ORDER_STATUS_ACTION_REQUIRED, waiting.saga.last_error
    await cashbill.follow(waiting.payments[0].next_action)
    await cashbill.shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    # CashBill keeps no idempotency key: the lost request left a transaction nobody is sent to.
    assert len(cashbill.fake.payments) == 2
    assert cashbill.fake.charged() == Decimal("49.99")
