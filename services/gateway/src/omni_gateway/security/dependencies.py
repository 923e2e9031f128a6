"""Authentication for each route family, as Litestar dependencies, and authorization checks."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from omni_gateway.context import request_channel
from omni_gateway.idempotency import identify
from omni_gateway.security.api_keys import InvalidApiKey
from omni_gateway.security.principals import Channel, Kind, Principal, StaffRole
from omni_gateway.security.tokens import TokenError


def _bearer(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(
            "an Authorization: Bearer token is required",
            headers={"WWW-Authenticate": 'Bearer realm="omni"'},
        )
    return token.strip()


def _verify(request: Request[Any, Any, Any], state: State, audience: str) -> Principal:
    try:
        return identify(state.tokens.verify(_bearer(request), audience))
    except TokenError as error:
        raise NotAuthorizedException(
            str(error), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None


async def visitor(request: Request[Any, Any, Any], state: State) -> Principal:
    """A signed-in customer or an anonymous visitor with a session token."""
    return _verify(request, state, "omni-api")


async def customer(request: Request[Any, Any, Any], state: State) -> Principal:
    principal = _verify(request, state, "omni-api")
    if principal.kind is not Kind.CUSTOMER:
        raise PermissionDeniedException("sign in as a customer to do this")
    return principal


async def staff(request: Request[Any, Any, Any], state: State) -> Principal:
    principal = _verify(request, state, "omni-staff")
    if principal.kind is not Kind.STAFF:
        raise PermissionDeniedException("a staff token is required")
    return principal


async def partner(request: Request[Any, Any, Any], state: State) -> Principal:
    raw = request.headers.get("X-Api-Key") or _bearer(request)
    try:
        return identify(await state.api_keys.authenticate(raw))
    except InvalidApiKey as error:
        raise NotAuthorizedException(str(error), headers={"WWW-Authenticate": "ApiKey"}) from None


async def frontend_channel(request: Request[Any, Any, Any]) -> Channel:
    return request_channel(request, Channel.WEB)


async def staff_channel(request: Request[Any, Any, Any]) -> Channel:
    return request_channel(request, Channel.POS)


def require_roles(principal: Principal, *roles: StaffRole) -> None:
    if principal.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise PermissionDeniedException(f"this needs one of the roles: {allowed}")


def require_store(principal: Principal, store_id: str) -> None:
    if not principal.may_act_for_store(store_id):
        raise PermissionDeniedException(f"you may not act for store {store_id!r}")


def require_scope(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes:
        raise PermissionDeniedException(f"this API key lacks the scope {scope!r}")
