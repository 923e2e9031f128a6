"""Customer-profile routes: the caller's own profile (customers), profiles for staff.
Every object is checked against the caller, not just the route (OWASP API1)."""

from __future__ import annotations

from typing import Any

from omni_gateway.routes.profiles.customer import CustomerTimelines, Me
from omni_gateway.routes.profiles.staff import StaffCustomers

PUBLIC_ROUTES: list[Any] = [Me, CustomerTimelines, StaffCustomers]
PARTNER_ROUTES: list[Any] = []
