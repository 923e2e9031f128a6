"""A store's node as the centre sees it: whether its link is up, since when it is not, the
sales it has waiting and its last outage. Times are UTC; consoles show them in the store's
zone."""

from __future__ import annotations

from datetime import datetime

from omni.order.v1 import order_pb2 as P
from omni_gateway.views.common import View, when_set


class StoreNodeOutageView(View):
    started_at: datetime | None
    ended_at: datetime | None
    # Sales the node held when its link came back, before it forwarded them.
    sales_waiting: int


class StoreNodeView(View):
    store_id: str
    # The centre heard from the node recently (within its staleness bound).
    online: bool
    # Offline: the last time the centre heard from it.
    offline_since: datetime | None
    # As the node last reported (a node cut off cannot report more).
    sales_waiting: int
    # Units sold beyond the store's quota; null while the node cannot know them.
    oversold_units: int | None
    last_sync_at: datetime | None
    last_contact_at: datetime | None
    node_version: str
    last_outage: StoreNodeOutageView | None


class StoreNodeList(View):
    nodes: list[StoreNodeView]


def store_node_view(status: P.StoreNodeStatus) -> StoreNodeView:
    outage = status.last_outage
    return StoreNodeView(
        store_id=status.store_id,
        online=status.online,
        offline_since=when_set(status, "offline_since"),
        sales_waiting=status.sales_waiting,
        oversold_units=status.oversold_units if status.HasField("oversold_units") else None,
        last_sync_at=when_set(status, "last_sync_at"),
        last_contact_at=when_set(status, "last_contact_at"),
        node_version=status.node_version,
        last_outage=StoreNodeOutageView(
            started_at=when_set(outage, "started_at"),
            ended_at=when_set(outage, "ended_at"),
            sales_waiting=outage.sales_waiting,
        )
        if status.HasField("last_outage")
        else None,
    )
