"""A store's node as the centre sees it: whether its link is up, since when it is not, the
sales it has waiting and its last outage. Times are UTC; consoles show them in the store's
zone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from omni.order.v1 import order_pb2 as P
from omni_gateway.views.common import Money, View, money, to_proto_money, when_set


class StoreNodeLimits(View):
    """Card sales while the node is offline are stored and forwarded, within these limits (cash
    is never limited; gift cards, store credit and loyalty are refused offline)."""

    # The most one card sale may charge offline.
    card_sale_cap: Money
    # The most all offline card sales not yet forwarded may add up to (same currency).
    card_stored_cap: Money
    # No card sale offline once the oldest one not yet forwarded is this old.
    card_max_age_seconds: Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 3600)]


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
    # Null: none set, the node sells by its own defaults.
    limits: StoreNodeLimits | None


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
        limits=limits_view(status.limits) if status.HasField("limits") else None,
    )


def limits_view(limits: P.StoreNodeLimits) -> StoreNodeLimits:
    return StoreNodeLimits(
        card_sale_cap=money(limits.card_sale_cap),
        card_stored_cap=money(limits.card_stored_cap),
        card_max_age_seconds=limits.card_max_age_seconds,
    )


def limits_message(limits: StoreNodeLimits) -> P.StoreNodeLimits:
    return P.StoreNodeLimits(
        card_sale_cap=to_proto_money(limits.card_sale_cap),
        card_stored_cap=to_proto_money(limits.card_stored_cap),
        card_max_age_seconds=limits.card_max_age_seconds,
    )


class StoreCustomerView(View):
    name: str
    email: str
    phone: str


class StorePaymentDueView(View):
    """A card stored offline, declined when its sale reached the centre: the goods left the
    store unpaid, and staff ask the customer for the money."""

    sale_id: str
    order_id: str
    amount: Money
    reason: str
    customer: StoreCustomerView
    sold_at: datetime | None
    raised_at: datetime | None


class StorePaymentsDue(View):
    payments_due: list[StorePaymentDueView]


def payment_due_view(task: P.StorePaymentDue) -> StorePaymentDueView:
    customer = task.customer
    return StorePaymentDueView(
        sale_id=task.sale_id,
        order_id=task.order_id,
        amount=money(task.amount),
        reason=task.reason,
        customer=StoreCustomerView(customer.name, customer.email, customer.phone),
        sold_at=when_set(task, "sold_at"),
        raised_at=when_set(task, "raised_at"),
    )
