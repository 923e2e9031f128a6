"""What the centre knows of each store's node: the node reports, staff read (through the
gateway), and a gauge says how long ago each node was last heard from."""

from __future__ import annotations

from grpc import aio

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import utcnow
from omni_kit.protos import from_timestamp, to_timestamp
from omni_order.api.deps import Deps
from omni_order.api.paper_receipts import block_message, paper_receipts
from omni_order.metrics import STORE_NODE_SILENCE
from omni_order.store.store_nodes import Limits, NodeReport, NodeStatus, Outage, StoreNodeStore

C = order_pb2
MAX_STORES = 500
# A week: a card sale kept longer before it is forwarded is likely to be declined.
MAX_CARD_AGE_SECONDS = 7 * 24 * 3600


def limits_of(message: C.StoreNodeLimits) -> Limits:
    sale_cap, stored_cap = message.card_sale_cap, message.card_stored_cap
    if not sale_cap.currency_code:
        raise InvalidArgument("a currency is required", field="limits.card_sale_cap.currency_code")
    if stored_cap.currency_code != sale_cap.currency_code:
        raise InvalidArgument(
            "both caps are in the store's one currency", field="limits.card_stored_cap"
        )
    if sale_cap.amount_minor < 0:
        raise InvalidArgument("a cap is never negative", field="limits.card_sale_cap")
    if stored_cap.amount_minor < sale_cap.amount_minor:
        raise InvalidArgument(
            "the stored total cap is at least one sale's cap", field="limits.card_stored_cap"
        )
    if not 0 <= message.card_max_age_seconds <= MAX_CARD_AGE_SECONDS:
        raise InvalidArgument(
            f"0 to {MAX_CARD_AGE_SECONDS} seconds", field="limits.card_max_age_seconds"
        )
    return Limits(
        currency=sale_cap.currency_code,
        card_sale_cap_minor=sale_cap.amount_minor,
        card_stored_cap_minor=stored_cap.amount_minor,
        card_max_age_seconds=message.card_max_age_seconds,
    )


def limits_message(limits: Limits | None) -> C.StoreNodeLimits | None:
    if limits is None:
        return None
    return C.StoreNodeLimits(
        card_sale_cap=common_pb2.Money(
            amount_minor=limits.card_sale_cap_minor, currency_code=limits.currency
        ),
        card_stored_cap=common_pb2.Money(
            amount_minor=limits.card_stored_cap_minor, currency_code=limits.currency
        ),
        card_max_age_seconds=limits.card_max_age_seconds,
    )


def node_report(request: C.ReportStoreNodeStatusRequest) -> NodeReport:
    if not request.store_id:
        raise InvalidArgument("store_id is required", field="store_id")
    if request.sales_waiting < 0:
        raise InvalidArgument("sales_waiting is never negative", field="sales_waiting")
    outage = request.last_outage
    last_outage = None
    if request.HasField("last_outage"):
        if not (outage.HasField("started_at") and outage.HasField("ended_at")):
            raise InvalidArgument("an outage has its start and end", field="last_outage")
        last_outage = Outage(
            from_timestamp(outage.started_at), from_timestamp(outage.ended_at), outage.sales_waiting
        )
    return NodeReport(
        store_id=request.store_id,
        node_version=request.node_version,
        sales_waiting=request.sales_waiting,
        oversold_units=request.oversold_units if request.HasField("oversold_units") else None,
        last_sync_at=from_timestamp(request.last_sync_at)
        if request.HasField("last_sync_at")
        else None,
        last_outage=last_outage,
    )


def status_message(status: NodeStatus) -> C.StoreNodeStatus:
    report = status.report
    outage = report.last_outage
    return C.StoreNodeStatus(
        store_id=report.store_id,
        online=status.online,
        offline_since=to_timestamp(status.offline_since),
        sales_waiting=report.sales_waiting,
        oversold_units=report.oversold_units,
        last_sync_at=to_timestamp(report.last_sync_at),
        node_version=report.node_version,
        last_contact_at=to_timestamp(status.last_contact_at),
        last_outage=None
        if outage is None
        else C.StoreNodeOutage(
            started_at=to_timestamp(outage.started_at),
            ended_at=to_timestamp(outage.ended_at),
            sales_waiting=outage.sales_waiting,
        ),
        limits=limits_message(status.limits),
    )


def store_nodes(deps: Deps) -> StoreNodeStore:
    return StoreNodeStore(deps.orders.infra.db, deps.settings.store_node_stale_seconds)


async def measure_silences(deps: Deps) -> None:
    """Seconds since each node was last heard from, for the store-node-offline alert."""
    now = utcnow()
    for status in await store_nodes(deps).list([], now):
        if status.last_contact_at is None:
            continue
        silence = (now - status.last_contact_at).total_seconds()
        STORE_NODE_SILENCE.labels(store_id=status.report.store_id).set(silence)


class StoreNodeApi:
    deps: Deps

    async def ReportStoreNodeStatus(
        self, request: C.ReportStoreNodeStatusRequest, context: aio.ServicerContext
    ) -> C.ReportStoreNodeStatusResponse:
        status = await store_nodes(self.deps).keep(node_report(request), utcnow())
        STORE_NODE_SILENCE.labels(store_id=request.store_id).set(0)
        blocks = await paper_receipts(self.deps).of_store(request.store_id)
        return C.ReportStoreNodeStatusResponse(
            status=status_message(status),
            limits=limits_message(status.limits),
            paper_receipt_blocks=[block_message(block) for block in blocks],
        )

    async def SetStoreNodeLimits(
        self, request: C.SetStoreNodeLimitsRequest, context: aio.ServicerContext
    ) -> C.SetStoreNodeLimitsResponse:
        if not request.store_id:
            raise InvalidArgument("store_id is required", field="store_id")
        if not request.HasField("limits"):
            raise InvalidArgument("limits are required", field="limits")
        limits = limits_of(request.limits)
        await store_nodes(self.deps).set_limits(request.store_id, limits)
        return C.SetStoreNodeLimitsResponse(limits=limits_message(limits))

    async def GetStoreNodeStatus(
        self, request: C.GetStoreNodeStatusRequest, context: aio.ServicerContext
    ) -> C.GetStoreNodeStatusResponse:
        status = await store_nodes(self.deps).get(request.store_id, utcnow())
        if status is None:
            raise NotFound(f"no node has reported for store {request.store_id!r}")
        return C.GetStoreNodeStatusResponse(status=status_message(status))

    async def ListStoreNodeStatuses(
        self, request: C.ListStoreNodeStatusesRequest, context: aio.ServicerContext
    ) -> C.ListStoreNodeStatusesResponse:
        if len(request.store_ids) > MAX_STORES:
            raise InvalidArgument(f"at most {MAX_STORES} stores at once", field="store_ids")
        statuses = await store_nodes(self.deps).list(list(request.store_ids), utcnow())
        return C.ListStoreNodeStatusesResponse(statuses=[status_message(s) for s in statuses])
