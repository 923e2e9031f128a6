"""Who may call a route, declared on the route as Litestar guards: staff roles, a staff member's
stores (from a path parameter), a partner key's scopes. Guards run before the handler and its
body; each authenticates the caller through the same cached step as the route's `principal`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from omni_gateway.security.dependencies import (
    authenticated,
    require_roles,
    require_scope,
    require_store,
)
from omni_gateway.security.principals import StaffRole

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def roles(*allowed: StaffRole) -> Guard:
    """Staff with one of these roles."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require_roles(await authenticated(connection, "staff"), *allowed)

    return guard


def store_in_path(parameter: str = "store_id") -> Guard:
    """Staff who may act for the store the path names (store roles: their own stores)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require_store(await authenticated(connection, "staff"), connection.path_params[parameter])

    return guard


def scope(name: str) -> Guard:
    """A partner API key holding this scope."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require_scope(await authenticated(connection, "partner"), name)

    return guard
