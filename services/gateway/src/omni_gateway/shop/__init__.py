"""The frontend API (/api/v1): what shoppers and signed-in customers call."""

from __future__ import annotations

from typing import Any

from omni_gateway.shop.addresses import MyAddresses
from omni_gateway.shop.auth import CustomerAuth
from omni_gateway.shop.me import Me
from omni_gateway.shop.subscriptions import MySubscriptions
from omni_gateway.shop.timeline import MyTimeline

ROUTES: list[Any] = [CustomerAuth, Me, MyAddresses, MyTimeline, MySubscriptions]
