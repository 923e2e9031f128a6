"""Authentication for each route family, as Litestar dependencies, and authorization checks."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from omni_gateway.context import request_channel
from omni_gateway.idempotency import identify
from omni_gateway.security.api_keys import InvalidApiKey
from omni_gateway.security.principals import Channel, Kind, Principal, StaffRole
from omni_gateway.security.tokens import TokenError


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(
            "an Authorization: Bearer token is required",
            headers={"WWW-Authenticate": 'Bearer realm="omni"'},
        )
    return token.strip()


async def _verify(connection: ASGIConnection[Any, Any, Any, Any], audience: str) -> Principal:
    state = connection.app.state
    try:
        principal: Principal = state.tokens.verify(_bearer(connection), audience)
    except TokenError as error:
        raise NotAuthorizedException(
            str(error), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None
    if not await state.session_generations.accepts(principal):
        raise NotAuthorizedException(
            "this session was signed out; sign in again",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return identify(principal)


async def _authenticate(connection: ASGIConnection[Any, Any, Any, Any], family: str) -> Principal:
    if family == "partner":
        raw = connection.headers.get("X-Api-Key") or _bearer(connection)
        try:
            return identify(await connection.app.state.api_keys.authenticate(raw))
        except InvalidApiKey as error:
            raise NotAuthorizedException(
                str(error), headers={"WWW-Authenticate": "ApiKey"}
            ) from None
    staff = family in ("staff", "staff-own-account")
    principal = await _verify(connection, "omni-staff" if staff else "omni-api")
    if family == "customer" and principal.kind is not Kind.CUSTOMER:
        raise PermissionDeniedException("sign in as a customer to do this")
    if staff and principal.kind is not Kind.STAFF:
        raise PermissionDeniedException("a staff token is required")
    if family == "staff" and principal.password_change_required:
        raise PermissionDeniedException(
            "choose a password of your own first: POST /staff/v1/auth/password",
            extra={"code": "PASSWORD_CHANGE_REQUIRED"},
        )
    if family == "staff" and not principal.mfa and principal.role is not None:
        required = connection.app.state.settings.staff_second_factor_roles
        if principal.role.value in required:
            raise PermissionDeniedException(
                "your role needs a second factor: enrol at POST /staff/v1/auth/second-factor, "
                "then sign in with a code",
                extra={"code": "SECOND_FACTOR_REQUIRED"},
            )
    return principal


async def authenticated(connection: ASGIConnection[Any, Any, Any, Any], family: str) -> Principal:
    """The caller of a route family (visitor, customer, staff, partner), authenticated once per
    request: the route's guards and its `principal` dependency share the answer."""
    state = connection.scope.setdefault("state", {})
    cached = state.get("principal")
    if cached is None or cached[0] != family:
        cached = (family, await _authenticate(connection, family))
        state["principal"] = cached
    principal: Principal = cached[1]
    return principal


async def visitor(request: Request[Any, Any, Any]) -> Principal:
    """A signed-in customer or an anonymous visitor with a session token."""
    return await authenticated(request, "visitor")


async def customer(request: Request[Any, Any, Any]) -> Principal:
    return await authenticated(request, "customer")


async def staff(request: Request[Any, Any, Any]) -> Principal:
    return await authenticated(request, "staff")


async def staff_own_account(request: Request[Any, Any, Any]) -> Principal:
    """A staff member acting on their own account (password, second factor, sign-out), allowed
    before they have chosen their own password or enrolled the second factor their role needs."""
    return await authenticated(request, "staff-own-account")


async def partner(request: Request[Any, Any, Any]) -> Principal:
    return await authenticated(request, "partner")


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
