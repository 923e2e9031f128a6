"""The sales report is read from per-day totals kept as orders change, and always equals a full
recount of the orders: after confirmations, a failed payment, whole and partial cancellations and
a return, in every kept time zone; and orders stored without totals are counted at start."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from order_shop import APP, CLICK_AND_COLLECT, STAFF, WEB, keyed

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2, promotions_pb2, promotions_pb2_grpc
from omni_kit.app import channel as grpc_channel
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp

P = order_pb2
ZONES = ("UTC", "Europe/Kyiv")


def recount(orders: list[dict], zone: str) -> list[tuple]:
    """The report as the service computed it from the orders themselves before the totals."""
    from zoneinfo import ZoneInfo

    groups: dict[tuple, list[int]] = {}
    for order in orders:
        if order["status"] in ("ORDER_STATUS_PENDING", "ORDER_STATUS_PAYMENT_FAILED"):
            continue
        day = order["placed_at"].astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
        key = (day, order["channel"]["channel"], order["sales"]["currency"])
        row = groups.setdefault(key, [0, 0, 0, 0, 0, 0])
        cancelled = order["status"] == "ORDER_STATUS_CANCELLED"
        row[0] += 0 if cancelled else order["sales"]["revenue"]
        row[1] += 0 if cancelled else 1
        row[2] += 0 if cancelled else order["sales"]["units"]
        row[3] += order["sales"]["refunded"]
        row[4] += 1 if cancelled else 0
        row[5] += 0 if cancelled else order["sales"].get("discount", 0)
    return sorted(
        (day, common_pb2.SalesChannel.Value(channel), currency, *amounts)
        for (day, channel, currency), amounts in groups.items()
    )


async def reported(shop, zone: str) -> list[tuple]:
    now = utcnow()
    span = common_pb2.TimeRange(
        start_time=to_timestamp(now - timedelta(days=3)),
        end_time=to_timestamp(now + timedelta(days=3)),
    )
    request = P.GetSalesReportRequest(time_range=span, time_zone=zone)
    report = (await shop.order.GetSalesReport(request)).report
    return sorted(
        (
            row.day,
            row.channel,
            row.revenue.currency_code,
            row.revenue.amount_minor,
            row.orders,
            row.units,
            row.refunded.amount_minor,
            row.cancelled_orders,
            row.discount.amount_minor,
        )
        for row in report.rows
    )


async def test_the_totals_equal_a_recount_after_cancellations_and_returns(shop, mongo, db_name):
    await shop.product("TEE-M", 1500)
    warehouse = await shop.location("WH-1")
    store = await shop.location("MITTE")
    for place in (warehouse, store):
        await shop.receive(place, "TEE-M", 40)
    orders = []
    for index, (channel, quantity) in enumerate([(WEB, 2), (APP, 1), (WEB, 3), (APP, 2), (WEB, 1)]):
        cart = await shop.add((await shop.cart(f"cus_{index}", channel)).id, "TEE-M", quantity)
        orders.append(await shop.place(cart.id, channel=channel))
    declined = await shop.add((await shop.cart("cus_x")).id, "TEE-M", 1)
    assert (await shop.place(declined.id, token="tok_decline")).status == (
        P.ORDER_STATUS_PAYMENT_FAILED
    )

    await shop.order.CancelOrder(
        P.CancelOrderRequest(order_id=orders[0].id, actor=STAFF), metadata=keyed()
    )
    await shop.order.CancelOrder(
        P.CancelOrderRequest(
            order_id=orders[2].id,
            lines=[P.LineQuantity(line_id="l1", quantity=1)],
            actor=STAFF,
        ),
        metadata=keyed(),
    )
    pickup = P.DeliveryChoice(mode=CLICK_AND_COLLECT, pickup_location_id=store)
    cart = await shop.add((await shop.cart("cus_r")).id, "TEE-M", 2)
    collected = await shop.place(cart.id, delivery=pickup)
    at_store = {"actor": STAFF, "channel": {"channel": 3, "store_id": store}}
    ready = await shop.order.MarkReadyForPickup(
        P.MarkReadyForPickupRequest(order_id=collected.id, **at_store)
    )
    await shop.order.MarkCollected(
        P.MarkCollectedRequest(
            order_id=collected.id, pickup_code=ready.order.pickup.code, **at_store
        )
    )
    await shop.order.CreateReturn(
        P.CreateReturnRequest(
            order_id=collected.id,
            lines=[P.ReturnLine(line_id="l1", quantity=1, reason="too small")],
            receiving_location_id=store,
            **at_store,
        ),
        metadata=keyed(),
    )

    # Two orders with 10 % off: one kept, one cancelled (its discount no longer counts).
    promotions_channel = grpc_channel(f"127.0.0.1:{shop.order_app.port}")
    promotions = promotions_pb2_grpc.PromotionServiceStub(promotions_channel)
    ten = promotions_pb2.Voucher(
        code="TEN",
        kind=promotions_pb2.VOUCHER_KIND_PERCENTAGE,
        percentage_basis_points=1000,
        target=promotions_pb2.VOUCHER_TARGET_ORDER,
        active=True,
    )
    await promotions.CreateVoucher(promotions_pb2.CreateVoucherRequest(voucher=ten))
    await promotions_channel.close()
    with_voucher = []
    for customer in ("cus_v1", "cus_v2"):
        cart = await shop.add((await shop.cart(customer)).id, "TEE-M", 2)
        await shop.order.ApplyCartVoucher(P.ApplyCartVoucherRequest(cart_id=cart.id, code="ten"))
        with_voucher.append(await shop.place(cart.id))
    assert [o.totals.discount.amount_minor for o in with_voucher] == [300, 300]
    await shop.order.CancelOrder(
        P.CancelOrderRequest(order_id=with_voucher[1].id, actor=STAFF), metadata=keyed()
    )

    stored = mongo[f"{db_name}_order"]["orders"]
    everything = await stored.find({}).to_list(None)
    assert len(everything) == 9
    for zone in ZONES:
        assert await reported(shop, zone) == recount(everything, zone)
    utc = await reported(shop, "UTC")
    assert sum(row[7] for row in utc) == 2  # the whole cancellations
    assert sum(row[6] for row in utc) == 1500  # the refund of the return
    assert sum(row[4] for row in utc) == 6  # confirmed, not cancelled, not declined
    assert sum(row[8] for row in utc) == 300  # the kept voucher order's discount

    # Orders stored before the totals existed: counted once the service starts.
    await mongo[f"{db_name}_order"]["sales_days"].delete_many({})
    await stored.update_many({}, {"$unset": {"sales_counted": ""}})
    assert await reported(shop, "UTC") == []
    await shop.order_app.stop(grace=0)
    _, shop.order = await shop.start_order(report_time_zones="UTC,Europe/Kyiv")
    for _ in range(100):
        if await reported(shop, "UTC") == recount(everything, "UTC"):
            break
        await asyncio.sleep(0.1)
    for zone in ZONES:
        assert await reported(shop, zone) == recount(everything, zone)
