"""The Stripe adapter against a stateful Stripe fake over HTTP: authorize and capture at
fulfilment, 3-D Secure by redirect, void on cancel, partial and full refunds on return, a
decline, webhooks with a bad signature (refused), repeated and late (no second effect), and a
Stripe that acts but answers too late (retried with the same Idempotency-Key, charged once)."""

from __future__ import annotations

import json

import pytest
from fakes.stripe_fake import THREE_D_SECURE_CARD, signature_header
from order_shop import STAFF, WEB, keyed, refused
from payment_shop import STRIPE_WEBHOOK, paying

from omni.order.v1 import order_pb2

P = order_pb2
VISA = "pm_card_visa"


@pytest.fixture
async def stripe(shop, db_name):
    async with paying(shop, db_name, "stripe") as ready:
        yield ready


def intent_of(stripe, order: P.Order) -> dict:
    return stripe.fake.payments[order.payments[0].provider_ref]


async def test_a_card_is_authorized_at_checkout_and_captured_at_fulfilment(stripe):
    shop = stripe.shop
    order = await shop.place(await stripe.stocked_cart(), token=VISA)
    assert order.status == P.ORDER_STATUS_CONFIRMED
    assert order.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    intent = intent_of(stripe, order)
    assert (intent["status"], intent["capture_method"]) == ("requires_capture", "manual")
    assert (intent["amount"], intent["currency"]) == (4999, "eur")
    assert intent["metadata"] == {"order_id": order.id, "payment_key": order.payments[0].id}

    warehouse = order.lines[0].source_location_ids[0]
    shipped = await shop.order.CreateShipment(
        P.CreateShipmentRequest(order_id=order.id, source_location_id=warehouse, actor=STAFF),
        metadata=keyed(),
    )
    assert shipped.order.payments[0].status == P.PAYMENT_STATUS_CAPTURED
    assert shipped.order.payments[0].captured_amount.amount_minor == 4999
    assert intent_of(stripe, order)["status"] == "succeeded"
    assert stripe.fake.charged() == 4999


async def test_three_d_secure_is_a_redirect_the_customer_follows_then_the_webhook_confirms(stripe):
    shop = stripe.shop
    order = await shop.place(await stripe.stocked_cart(), token=THREE_D_SECURE_CARD)
    assert order.status == P.ORDER_STATUS_ACTION_REQUIRED
    payment = order.payments[0]
    assert payment.status == P.PAYMENT_STATUS_ACTION_REQUIRED
    assert payment.next_action.kind == "redirect"
    assert payment.next_action.url.startswith(f"{stripe.fake.base}/3ds/")

    early = await refused(
        shop.order.CancelOrder(P.CancelOrderRequest(order_id=order.id), metadata=keyed())
    )
    assert early.reason == "ORDER_PENDING"  # still being placed: it waits for the customer

    back = await stripe.follow(payment.next_action)
    assert back.startswith(f"http://shop.invalid/orders/{order.id}")
    # Polling is a minute away in these tests: the signed webhook is what confirms it.
    confirmed = await shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=10)
    assert confirmed.status == P.ORDER_STATUS_CONFIRMED
    assert confirmed.payments[0].status == P.PAYMENT_STATUS_AUTHORIZED
    assert not confirmed.payments[0].HasField("next_action")
    assert [(a[0]) for a in stripe.relay.answers] == [200]


async def test_cancelling_voids_the_authorization(stripe):
    shop = stripe.shop
    order = await shop.place(await stripe.stocked_cart(), token=VISA)
    cancelled = await shop.order.CancelOrder(
        P.CancelOrderRequest(order_id=order.id, actor=STAFF), metadata=keyed()
    )
    assert cancelled.order.payments[0].status == P.PAYMENT_STATUS_VOIDED
    assert intent_of(stripe, order)["status"] == "canceled"
    assert stripe.fake.charged() == 0


async def test_returns_refund_part_then_the_rest(stripe):
    shop = stripe.shop
    order = await shop.place(await stripe.stocked_cart(), token=VISA)
    warehouse = order.lines[0].source_location_ids[0]
    await shop.order.CreateShipment(
        P.CreateShipmentRequest(order_id=order.id, source_location_id=warehouse, actor=STAFF),
        metadata=keyed(),
    )

    async def give_back(quantity: int) -> P.Order:
        reply = await shop.order.CreateReturn(
            P.CreateReturnRequest(
                order_id=order.id,
                receiving_location_id=warehouse,
                lines=[
                    P.ReturnLine(
                        line_id="l1", quantity=quantity, resolution=P.RETURN_RESOLUTION_REFUND
                    )
                ],
                channel=WEB,
                actor=STAFF,
            ),
            metadata=keyed(),
        )
        return reply.order

    partly = await give_back(1)
    assert partly.payments[0].status == P.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert intent_of(stripe, order)["amount_refunded"] == 1500
    fully = await give_back(2)
    assert intent_of(stripe, order)["amount_refunded"] == 4500
    assert fully.payments[0].refunded_amount.amount_minor == 4500
    assert [r.status for r in fully.payments[0].refunds] == [P.REFUND_STATUS_SUCCEEDED] * 2
    assert len(stripe.fake.refunds) == 2


async def test_a_declined_card_fails_the_payment_without_the_providers_words(stripe):
    order = await stripe.shop.place(await stripe.stocked_cart(), token="pm_card_chargeDeclined")
    assert order.status == P.ORDER_STATUS_PAYMENT_FAILED
    assert order.payments[0].status == P.PAYMENT_STATUS_DECLINED
    assert order.payments[0].failure_reason == "the card was declined"
    assert "Your card was declined" not in str(order)


async def test_webhooks_with_a_bad_signature_an_old_time_or_another_subject_change_nothing(
    stripe,
):
    shop = stripe.shop
    order = await shop.place(await stripe.stocked_cart(), token=THREE_D_SECURE_CARD)
    intent = dict(intent_of(stripe, order), status="requires_capture")
    body = json.dumps(
        {
            "id": "evt_forged",
            "type": "payment_intent.amount_capturable_updated",
            "data": {"object": intent},
        }
    ).encode()

    async def send(signature: str):
        return await shop.order.HandlePaymentCallback(
            P.HandlePaymentCallbackRequest(
                provider="stripe",
                http_method="POST",
                headers={"stripe-signature": signature},
                body=body,
            )
        )

    charge = json.dumps(
        {"id": "evt_charge", "type": "charge.refunded", "data": {"object": {"object": "charge"}}}
    ).encode()
    ignored = await shop.order.HandlePaymentCallback(
        P.HandlePaymentCallbackRequest(
            provider="stripe",
            http_method="POST",
            headers={"stripe-signature": signature_header(STRIPE_WEBHOOK, charge)},
            body=charge,
        )
    )
    assert (ignored.http_status, ignored.body) == (200, b'{"received": true}')  # not resent

    forged = await refused(send(signature_header("whsec_wrong", body)))
    assert forged.reason == "CALLBACK_SIGNATURE_INVALID"
    stale = await refused(send(signature_header(STRIPE_WEBHOOK, body, at=1_700_000_000)))
    assert stale.reason == "CALLBACK_REPLAYED"
    still = await shop.get(order.id)
    assert still.status == P.ORDER_STATUS_ACTION_REQUIRED and still.version == order.version


async def test_a_repeated_and_a_late_webhook_have_no_second_effect(stripe, mongo):
    shop = stripe.shop
    order = await shop.place(await stripe.stocked_cart(), token=THREE_D_SECURE_CARD)
    await stripe.follow(order.payments[0].next_action)
    confirmed = await shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED)
    await stripe.fake.settle()
    stripe.fake.control("resend_last_callback", {})
    await stripe.fake.settle()
    assert [status for status, _ in stripe.relay.answers] == [200, 200]
    assert stripe.relay.answers[0][1] == stripe.relay.answers[1][1]
    # Late: the order moved on (cancelled); the old authorization webhook changes nothing.
    cancelled = await shop.order.CancelOrder(
        P.CancelOrderRequest(order_id=order.id, actor=STAFF), metadata=keyed()
    )
    late = dict(intent_of(stripe, order), status="requires_capture")
    body = json.dumps(
        {"id": "evt_late", "type": "payment_intent.requires_action", "data": {"object": late}}
    ).encode()
    await shop.order.HandlePaymentCallback(
        P.HandlePaymentCallbackRequest(
            provider="stripe",
            http_method="POST",
            headers={"stripe-signature": signature_header(STRIPE_WEBHOOK, body)},
            body=body,
        )
    )
    after = await shop.get(order.id)
    assert after.version == cancelled.order.version and after.status == P.ORDER_STATUS_CANCELLED
    assert confirmed.version < after.version
    await stripe.fake.settle()
    handled = await mongo[stripe.database]["payment_callbacks"].distinct("_id")
    pi = order.payments[0].provider_ref
    assert sorted(handled) == [  # each once, though the authorization came twice
        f"stripe:{pi}:payment_intent.amount_capturable_updated",
        f"stripe:{pi}:payment_intent.canceled",
        f"stripe:{pi}:payment_intent.requires_action",
    ]


async def test_a_stripe_answer_lost_in_a_timeout_is_retried_with_the_same_key(stripe):
    shop = stripe.shop
    stripe.fake.control("delay", {"seconds": 2.5, "times": 1})  # past the 1 s HTTP timeout
    order = await shop.place(await stripe.stocked_cart(), token=VISA)
    done = await shop.eventually(order.id, P.ORDER_STATUS_CONFIRMED, timeout=20)
    assert done.status == P.ORDER_STATUS_CONFIRMED, done.saga.last_error
    creates = [r for r in stripe.fake.requests if r.path == "/v1/payment_intents"]
    assert len(creates) >= 2  # the lost answer, then the retry
    assert len({r.headers["idempotency-key"] for r in creates}) == 1
    assert len(stripe.fake.payments) == 1  # one PaymentIntent, one authorization
    assert done.payments[0].provider_ref == next(iter(stripe.fake.payments))
