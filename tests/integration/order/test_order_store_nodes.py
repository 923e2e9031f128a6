"""The centre keeps the latest report of each store's node and shows it offline once it has not
heard from it within the staleness bound; a malformed report is refused and writes nothing."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from pymongo import AsyncMongoClient

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details
from omni_order.metrics import STORE_NODE_SILENCE

C = order_pb2


def report(store_id: str, waiting: int, **fields) -> C.ReportStoreNodeStatusRequest:
    request = C.ReportStoreNodeStatusRequest(
        store_id=store_id, node_version="0.1.0", sales_waiting=waiting, **fields
    )
    request.last_sync_at.FromSeconds(1_780_000_000)
    return request


async def test_the_latest_report_is_kept_and_goes_stale(shop):
    _, order = await shop.start_order(store_node_stale_seconds=1.0)
    outage = C.StoreNodeOutage(sales_waiting=12)
    outage.started_at.FromSeconds(1_779_999_000)
    outage.ended_at.FromSeconds(1_779_999_900)
    await order.ReportStoreNodeStatus(report("loc_a", 12))
    kept = await order.ReportStoreNodeStatus(report("loc_a", 3, last_outage=outage))
    await order.ReportStoreNodeStatus(report("loc_b", 0, oversold_units=2))

    seen = (await order.GetStoreNodeStatus(C.GetStoreNodeStatusRequest(store_id="loc_a"))).status
    assert seen.online and not seen.HasField("offline_since")
    assert seen.sales_waiting == 3 and seen.node_version == "0.1.0"
    assert not seen.HasField("oversold_units")
    assert seen.last_outage.sales_waiting == 12
    assert seen.last_outage.started_at.seconds == 1_779_999_000
    assert seen.last_sync_at.seconds == 1_780_000_000
    assert STORE_NODE_SILENCE.labels(store_id="loc_a")._value.get() == 0

    await asyncio.sleep(1.5)
    stale = (await order.GetStoreNodeStatus(C.GetStoreNodeStatusRequest(store_id="loc_a"))).status
    assert not stale.online
    assert stale.offline_since == kept.status.last_contact_at
    assert stale.sales_waiting == 3, "what it said last, kept as it said it"

    listed = await order.ListStoreNodeStatuses(C.ListStoreNodeStatusesRequest())
    assert [s.store_id for s in listed.statuses] == ["loc_a", "loc_b"]
    assert listed.statuses[1].oversold_units == 2
    only_b = await order.ListStoreNodeStatuses(C.ListStoreNodeStatusesRequest(store_ids=["loc_b"]))
    assert [s.store_id for s in only_b.statuses] == ["loc_b"]


async def test_an_unknown_store_is_not_found(shop):
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await shop.order.GetStoreNodeStatus(C.GetStoreNodeStatusRequest(store_id="loc_none"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (report("", 0), "store_id"),
        (report("loc_a", -1), "sales_waiting"),
        (report("loc_a", 0, last_outage=C.StoreNodeOutage(sales_waiting=1)), "last_outage"),
    ],
)
async def test_a_malformed_report_is_refused_and_writes_nothing(
    shop, mongo: AsyncMongoClient, db_name, request_, field
):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await shop.order.ReportStoreNodeStatus(request_)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    assert await mongo[f"{db_name}_order"]["store_nodes"].count_documents({}) == 0


def limits(sale_cap: int, stored_cap: int, currency: str = "EUR", age: int = 3600):
    return C.StoreNodeLimits(
        card_sale_cap=common_pb2.Money(amount_minor=sale_cap, currency_code=currency),
        card_stored_cap=common_pb2.Money(amount_minor=stored_cap, currency_code=currency),
        card_max_age_seconds=age,
    )


async def test_staff_limits_reach_the_node_in_the_answer_to_its_report(shop):
    first = await shop.order.ReportStoreNodeStatus(report("loc_l", 0))
    assert not first.HasField("limits"), "none set: the node keeps its defaults"
    await shop.order.SetStoreNodeLimits(
        C.SetStoreNodeLimitsRequest(store_id="loc_l", limits=limits(5000, 20000))
    )
    answer = await shop.order.ReportStoreNodeStatus(report("loc_l", 0))
    assert answer.limits == limits(5000, 20000)
    seen = await shop.order.GetStoreNodeStatus(C.GetStoreNodeStatusRequest(store_id="loc_l"))
    assert seen.status.limits == limits(5000, 20000)
    # Limits for a store whose node never reported: kept, the store shown without contact.
    await shop.order.SetStoreNodeLimits(
        C.SetStoreNodeLimitsRequest(store_id="loc_new", limits=limits(1, 1))
    )
    fresh = await shop.order.GetStoreNodeStatus(C.GetStoreNodeStatusRequest(store_id="loc_new"))
    assert not fresh.status.online and not fresh.status.HasField("last_contact_at")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (limits(5000, 20000, currency=""), "limits.card_sale_cap.currency_code"),
        (limits(5000, 4000), "limits.card_stored_cap"),
        (limits(-1, 4000), "limits.card_sale_cap"),
        (limits(5000, 20000, age=-5), "limits.card_max_age_seconds"),
    ],
)
async def test_malformed_limits_are_refused_naming_the_field(
    shop, mongo: AsyncMongoClient, db_name, bad, field
):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await shop.order.SetStoreNodeLimits(
            C.SetStoreNodeLimitsRequest(store_id="loc_l", limits=bad)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    assert await mongo[f"{db_name}_order"]["store_nodes"].count_documents({}) == 0
