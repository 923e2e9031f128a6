"""The LiqPay adapter against a stateful LiqPay fake over HTTP: the hosted checkout the customer
is sent to (a signed form), a hold confirmed by LiqPay's signed callback, 3-D Secure as a second
page, completion at pickup, the hold released on cancel, partial and full refunds, a decline,
forged and replayed callbacks, and a completion whose answer is lost (asked again, not repeated)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from fakes.liqpay_fake import liqpay_form, liqpay_signature
from order_shop import CLICK_AND_COLLECT, STAFF, WEB, keyed, refused
from payment_shop import LIQPAY_PRIVATE, paying

from omni.order.v1 import order_pb2

P = order_pb2


@pytest.fixture
async def liqpay(shop, db_name):
    async with paying(shop, db_name, "liqpay") as ready:
        yield ready


async def confirmed(liqpay, **place) -> P.Order:
    order = await liqpay.shop.place(await liqpay.stocked_cart(), token="", **place)
    assert order.status == P.ORDER_STATUS_ACTION_REQUIRED
    await liqpay.follow(order.payments[0].next_action)
    done = await liqpay.shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    assert done.status == P.ORDER_STATUS_CONFIRMED, done.status_reason
    return done


def callback_request(params: dict, private_key: str = LIQPAY_PRIVATE):
    body = urlencode(liqpay_form(private_key, params)).encode()
    return P.HandlePaymentCallbackRequest(provider="liqpay", http_method="POST", body=body)


async def test_the_hosted_checkout_is_a_signed_form_and_the_callback_confirms_the_hold(liqpay):
    order = await liqpay.shop.place(await liqpay.stocked_cart(), token="")
    action = order.payments[0].next_action
    assert (action.kind, action.http_method) == ("redirect", "POST")
    assert action.url == f"{liqpay.fake.base}/api/3/checkout"
    data = action.form_fields["data"]
    assert action.form_fields["signature"] == liqpay_signature(LIQPAY_PRIVATE, data)
    params = json.loads(base64.b64decode(data))
    assert params["action"] == "hold" and params["order_id"] == order.payments[0].id
    assert (params["amount"], params["currency"]) == ("49.99", "EUR")
    assert params["server_url"] == f"{liqpay.relay.base}/hooks/payments/liqpay"

    back = await liqpay.follow(action)
    assert back == f"http://shop.invalid/orders/{order.id}"
    done = await liqpay.shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    assert done.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    assert liqpay.fake.payments[order.payments[0].id]["status"] == "hold_wait"


async def test_three_d_secure_is_one_more_page_before_the_hold(liqpay):
    liqpay.fake.control("require_action", {})
    done = await confirmed(liqpay)
    assert liqpay.fake.payments[done.payments[0].id]["status"] == "hold_wait"
    await liqpay.fake.settle()
    assert [status for status, _ in liqpay.relay.answers] == [200, 200]  # 3ds_verify, hold_wait


async def test_the_hold_is_completed_at_pickup(liqpay):
    shop = liqpay.shop
    await shop.product("TEE-M", 1500)
    store = await shop.location("MITTE")
    await shop.receive(store, "TEE-M", 4)
    cart = await shop.add((await shop.cart()).id, "TEE-M", 2)
    pickup = P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id=store)
    order = await shop.place(cart.id, token="", delivery=pickup)
    await liqpay.follow(order.payments[0].next_action)
    await shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    ready = await shop.order.MarkReadyForPickup(
        P.MarkReadyForPickupRequest(order_id=order.id), metadata=keyed()
    )
    collected = await shop.order.MarkCollected(
        P.MarkCollectedRequest(order_id=order.id, pickup_code=ready.order.pickup.code),
        metadata=keyed(),
    )
    assert collected.order.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    held = liqpay.fake.payments[order.payments[0].id]
    assert (held["status"], held["completed"]) == ("success", "30.00")


async def test_cancelling_releases_the_hold(liqpay):
    done = await confirmed(liqpay)
    cancelled = await liqpay.shop.order.CancelOrder(
        P.CancelOrderRequest(order_id=done.id, actor=STAFF), metadata=keyed()
    )
    assert cancelled.order.payments[0].status == P.PAYMENT_STATUS_VOIDED
    assert liqpay.fake.payments[done.payments[0].id]["status"] == "reversed"
    assert liqpay.fake.charged() == 0


async def test_returns_refund_part_then_the_rest(liqpay):
    shop = liqpay.shop
    done = await confirmed(liqpay)
    warehouse = done.lines[0].source_location_ids[0]
    await shop.order.CreateShipment(
        P.CreateShipmentRequest(order_id=done.id, source_location_id=warehouse, actor=STAFF),
        metadata=keyed(),
    )
    payment = liqpay.fake.payments[done.payments[0].id]
    assert payment["completed"] == "49.99"
    for quantity in (1, 2):
        await shop.order.CreateReturn(
            P.CreateReturnRequest(
                order_id=done.id,
                receiving_location_id=warehouse,
                lines=[P.ReturnLine(line_id="l1", quantity=quantity)],
                channel=WEB,
                actor=STAFF,
            ),
            metadata=keyed(),
        )
        if quantity == 1:
            assert Decimal(payment["refunded"]) == Decimal("15.00")
    after = await shop.get(done.id)
    assert Decimal(payment["refunded"]) == Decimal("45.00")
    assert after.payments[0].refunded_amount.amount_minor == 4500
    assert liqpay.fake.charged() == Decimal("4.99")  # the delivery is not refunded on return


async def test_a_declined_payment_fails_the_order(liqpay):
    liqpay.fake.control("decline", {})
    order = await liqpay.shop.place(await liqpay.stocked_cart(), token="")
    await liqpay.follow(order.payments[0].next_action)
    failed = await liqpay.shop.eventually(order.id, P.ORDER_STATUS_PAYMENT_FAILED, timeout=10)
    assert failed.payments[0].status == P.PAYMENT_STATUS_DECLINED
    assert failed.payments[0].failure_reason == "the payment was declined"


async def test_forged_unknown_and_mismatched_callbacks_change_nothing(liqpay):
    shop = liqpay.shop
    order = await shop.place(await liqpay.stocked_cart(), token="")
    key = order.payments[0].id
    hold = {"action": "hold", "status": "hold_wait", "order_id": key, "currency": "EUR"}

    forged = await refused(
        shop.order.HandlePaymentCallback(callback_request(hold | {"amount": 49.99}, "not-it"))
    )
    assert forged.reason == "CALLBACK_SIGNATURE_INVALID"
    unknown = await refused(
        shop.order.HandlePaymentCallback(
            callback_request(hold | {"amount": 49.99, "order_id": "pay_nobody"})
        )
    )
    assert unknown.reason == "PAYMENT_NOT_FOUND"
    cheaper = await refused(
        shop.order.HandlePaymentCallback(callback_request(hold | {"amount": 1}))
    )
    assert cheaper.reason == "PAYMENT_AMOUNT_MISMATCH"
    other = await refused(
        shop.order.HandlePaymentCallback(
            callback_request(hold | {"amount": 49.99, "currency": "UAH"})
        )
    )
    assert other.reason == "PAYMENT_CURRENCY_MISMATCH"
    still = await shop.get(order.id)
    assert still.version == order.version and still.status == P.ORDER_STATUS_ACTION_REQUIRED


async def test_a_late_callback_and_a_repeated_one_have_no_second_effect(shop, db_name):
    async with paying(shop, db_name, "liqpay", payment_status_poll_seconds=0.3) as liqpay:
        liqpay.fake.control("hold_callbacks", {})
        order = await liqpay.shop.place(await liqpay.stocked_cart(), token="")
        await liqpay.follow(order.payments[0].next_action)
        # The callback is held back: the order learns of the hold by asking LiqPay (polling).
        done = await liqpay.shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=15)
        assert done.status == P.ORDER_STATUS_CONFIRMED
        liqpay.fake.control("release_callbacks", {})  # late
        await liqpay.fake.settle()
        liqpay.fake.control("resend_last_callback", {})  # and again
        await liqpay.fake.settle()
        assert [status for status, _ in liqpay.relay.answers] == [200, 200]
        after = await liqpay.shop.get(order.id)
        assert after.version == done.version and after.status == P.ORDER_STATUS_CONFIRMED


async def test_a_completion_whose_answer_is_lost_is_not_repeated(liqpay):
    shop = liqpay.shop
    done = await confirmed(liqpay)
    warehouse = done.lines[0].source_location_ids[0]
    ship = P.CreateShipmentRequest(order_id=done.id, source_location_id=warehouse, actor=STAFF)
    key = keyed()
    # The status asked first comes at once; the completion's answer is lost (LiqPay acted).
    liqpay.fake.control("delay", {"seconds": [0, 2.5]})
    lost = await refused(shop.order.CreateShipment(ship, metadata=key))
    assert lost.reason == "UNAVAILABLE"
    shipped = await shop.order.CreateShipment(ship, metadata=key)  # the caller retries
    assert shipped.order.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    completions = [
        r
        for r in liqpay.fake.requests
        if b"hold_completion" in base64.b64decode(r.form().get("data", "") or b"")
    ]
    assert len(completions) == 1
    assert liqpay.fake.payments[done.payments[0].id]["completed"] == "49.99"
