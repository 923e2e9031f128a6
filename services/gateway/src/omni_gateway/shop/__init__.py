"""The frontend API (/api/v1): web shops, apps, POS and chat bots, for shoppers and signed-in
customers."""

from __future__ import annotations

from typing import Any

from omni_gateway.security.dependencies import customer as signed_in_customer
from omni_gateway.security.session_routes import session_routes
from omni_gateway.shop.addresses import MyAddresses
from omni_gateway.shop.auth import CustomerAuth
from omni_gateway.shop.availability import Availability
from omni_gateway.shop.carriers import Carriers
from omni_gateway.shop.carts import Carts
from omni_gateway.shop.catalog import CatalogBrowse
from omni_gateway.shop.me import Me
from omni_gateway.shop.orders import CustomerOrders
from omni_gateway.shop.pickup_points import PickupPoints
from omni_gateway.shop.subscriptions import MySubscriptions
from omni_gateway.shop.timeline import MyTimeline

ROUTES: list[Any] = [
    CustomerAuth,
    session_routes("/api/v1/auth", "auth", signed_in_customer),
    CatalogBrowse,
    Availability,
    Carts,
    Carriers,
    CustomerOrders,
    Me,
    MyAddresses,
    MyTimeline,
    MySubscriptions,
    PickupPoints,
]
