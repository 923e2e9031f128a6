"""The order service's own Prometheus metrics (the kit's cover RPCs, events and the outbox)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2

# Exported as omni_order_sagas_failed_total; the chart's OmniOrderSagasFailed alert fires on it.
SAGAS_FAILED = Counter(
    "omni_order_sagas_failed",
    "Place-order sagas that gave up past their retry bound (order FAILED, stock and payment "
    "released), by the step they could not do",
    ["step"],
)

# omni_orders_total: orders confirmed (the saga completed), by sales channel ("web", "pos", ...;
# a partner's channel without its id, so the label stays bounded). Counted once, after the
# confirmation is stored; the chart's dashboards show it per minute and per channel.
ORDERS = Counter("omni_orders", "Orders confirmed, by sales channel", ["channel"])

# omni_store_node_seconds_since_contact: how long ago each store's node last reported (refreshed
# from the store every few seconds); the chart's OmniStoreNodeOffline alert fires on it.
STORE_NODE_SILENCE = Gauge(
    "omni_store_node_seconds_since_contact",
    "Seconds since the centre last heard from a store's node, by store",
    ["store_id"],
)


def _known(name: str, prefix: str) -> bool:
    return not name.endswith("_UNSPECIFIED") and name.startswith(prefix)


# Every known series exists from the start at 0, so rate() and increase() see the first one
# (an alert on increase() never fires for a series that appears already at 1).
for _step in (v.name for v in order_pb2.SagaStep.DESCRIPTOR.values):
    if _known(_step, "SAGA_STEP_"):
        SAGAS_FAILED.labels(step=_step.removeprefix("SAGA_STEP_").lower())
for _channel in (v.name for v in common_pb2.SalesChannel.DESCRIPTOR.values):
    if _known(_channel, "SALES_CHANNEL_"):
        ORDERS.labels(channel=_channel.removeprefix("SALES_CHANNEL_").lower())
