"""RecordStoreSale: one order per till sale id, a repeat answers it, another payload under the
same id is quarantined and never overwrites it."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from pymongo import AsyncMongoClient

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details

C = order_pb2


def till_sale(sale_id: str, quantity: int = 2, **changes) -> C.RecordStoreSaleRequest:
    eur = "EUR"
    request = C.RecordStoreSaleRequest(
        sale_id=sale_id,
        store_id="loc_store1",
        till_id="till-1",
        till_number=7,
        lines=[
            C.StoreSaleLine(
                sku="TEE-M",
                quantity=quantity,
                unit_price=common_pb2.Money(amount_minor=1999, currency_code=eur),
                product_name="Tee",
            )
        ],
        tender=C.STORE_SALE_TENDER_CASH,
        total=common_pb2.Money(amount_minor=1999 * quantity, currency_code=eur),
        sold_offline=True,
    )
    request.sold_at.FromSeconds(1_780_000_000)
    for name, value in changes.items():
        setattr(request, name, value)
    return request


async def test_a_till_sale_becomes_one_collected_paid_pos_order(
    shop, mongo: AsyncMongoClient, db_name
):
    sale_id = str(uuid.uuid4())
    first = await shop.order.RecordStoreSale(till_sale(sale_id))
    assert first.outcome == C.STORE_SALE_OUTCOME_RECORDED
    order = first.order
    assert order.status == C.ORDER_STATUS_COLLECTED
    assert order.channel.channel == common_pb2.SALES_CHANNEL_POS
    assert order.channel.store_id == "loc_store1"
    assert order.totals.total.amount_minor == 3998
    assert order.payments[0].status == C.PAYMENT_STATUS_CAPTURED
    assert order.payments[0].captured_amount.amount_minor == 3998
    assert order.placed_at.seconds == 1_780_000_000
    # Taxed like any order of the channel (PL, prices including tax, when nothing is set).
    assert order.tax_country_code == "PL" and order.prices_include_tax
    assert order.lines[0].tax.tax_class == common_pb2.TAX_CLASS_STANDARD
    assert order.totals.net.amount_minor + order.totals.tax.amount_minor == 3998
    assert order.totals.tax.amount_minor == order.lines[0].tax.tax.amount_minor

    again = await asyncio.gather(
        *(shop.order.RecordStoreSale(till_sale(sale_id)) for _ in range(5))
    )
    assert {reply.order.id for reply in again} == {order.id}
    assert {reply.outcome for reply in again} == {C.STORE_SALE_OUTCOME_ALREADY_RECORDED}
    orders = mongo[f"{db_name}_order"]["orders"]
    assert await orders.count_documents({"store_sale_id": sale_id}) == 1


async def test_a_reused_sale_id_with_another_payload_is_quarantined_not_written(
    shop, mongo: AsyncMongoClient, db_name
):
    sale_id = str(uuid.uuid4())
    recorded = await shop.order.RecordStoreSale(till_sale(sale_id))
    for _ in range(2):
        other = await shop.order.RecordStoreSale(till_sale(sale_id, quantity=5))
        assert other.outcome == C.STORE_SALE_OUTCOME_QUARANTINED
        assert other.order.id == recorded.order.id
        assert other.order.totals.total.amount_minor == 3998
    db = mongo[f"{db_name}_order"]
    assert await db["orders"].count_documents({"store_sale_id": sale_id}) == 1
    kept = await db["store_sale_quarantine"].find({"sale_id": sale_id}).to_list()
    assert len(kept) == 1
    assert kept[0]["arrivals"] == 2
    assert kept[0]["recorded_order_id"] == recorded.order.id
    assert C.RecordStoreSaleRequest.FromString(kept[0]["payload"]).lines[0].quantity == 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"till_id": "", "store_id": "loc_store1"}, "till_id"),
        ({"store_id": ""}, "store_id"),
        ({"tender": C.STORE_SALE_TENDER_UNSPECIFIED}, "tender"),
        ({"till_number": 0}, "till_number"),
    ],
)
async def test_a_malformed_sale_is_refused_naming_the_field(shop, mongo, db_name, changes, field):
    request = till_sale(str(uuid.uuid4()), **changes)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await shop.order.RecordStoreSale(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    assert await mongo[f"{db_name}_order"]["orders"].count_documents({}) == 0


async def test_a_sale_id_that_is_not_a_uuid_is_refused(shop):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await shop.order.RecordStoreSale(till_sale("till-1-0007"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == "sale_id"


async def test_a_total_that_is_not_the_sum_of_the_lines_is_refused(shop):
    request = till_sale(str(uuid.uuid4()))
    request.total.amount_minor = 1
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await shop.order.RecordStoreSale(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "sum of the lines" in refused.value.details()


def stored_card_sale(sale_id: str, token: str) -> C.RecordStoreSaleRequest:
    request = till_sale(sale_id, tender=C.STORE_SALE_TENDER_CARD, card_token=token)
    request.customer.CopyFrom(
        C.StoreSaleCustomer(name="Iryna", email="iryna@example.com", phone="+48111")
    )
    return request


async def test_a_stored_card_declined_at_forwarding_raises_one_payment_due(
    shop, mongo: AsyncMongoClient, db_name
):
    sale_id = str(uuid.uuid4())
    first = await shop.order.RecordStoreSale(stored_card_sale(sale_id, "tok_decline_offline"))
    assert first.outcome == C.STORE_SALE_OUTCOME_RECORDED
    assert first.order.status == C.ORDER_STATUS_COLLECTED, "the goods left the store"
    assert first.order.payments[0].status == C.PAYMENT_STATUS_DECLINED
    again = await asyncio.gather(
        *(
            shop.order.RecordStoreSale(stored_card_sale(sale_id, "tok_decline_offline"))
            for _ in range(3)
        )
    )
    assert {reply.outcome for reply in again} == {C.STORE_SALE_OUTCOME_ALREADY_RECORDED}
    due = (await shop.order.ListStorePaymentsDue(C.ListStorePaymentsDueRequest())).payments_due
    assert len(due) == 1
    [task] = due
    assert (task.sale_id, task.store_id, task.order_id) == (sale_id, "loc_store1", first.order.id)
    assert task.amount.amount_minor == 3998 and task.reason
    assert (task.customer.email, task.customer.phone) == ("iryna@example.com", "+48111")
    other = await shop.order.ListStorePaymentsDue(
        C.ListStorePaymentsDueRequest(store_ids=["loc_other"])
    )
    assert not other.payments_due
    ledger = mongo[f"{db_name}_order"]["test_provider_payments"]
    assert await ledger.count_documents({"_id": f"store-sale-{sale_id}"}) == 1


async def test_an_approved_stored_card_is_captured_through_the_provider(
    shop, mongo: AsyncMongoClient, db_name
):
    sale_id = str(uuid.uuid4())
    reply = await shop.order.RecordStoreSale(stored_card_sale(sale_id, "tok_visa"))
    payment = reply.order.payments[0]
    assert payment.status == C.PAYMENT_STATUS_CAPTURED and payment.provider == "test"
    assert payment.captured_amount.amount_minor == 3998
    entry = await mongo[f"{db_name}_order"]["test_provider_payments"].find_one(
        {"_id": f"store-sale-{sale_id}"}
    )
    assert entry["capture"]["approved"] is True
    assert not (await shop.order.ListStorePaymentsDue(C.ListStorePaymentsDueRequest())).payments_due


async def test_a_stored_card_without_a_way_to_reach_the_customer_is_refused(shop):
    request = stored_card_sale(str(uuid.uuid4()), "tok_visa")
    request.ClearField("customer")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await shop.order.RecordStoreSale(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == "customer"
