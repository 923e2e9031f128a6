"""Staff users (admins): create, list, read, change role, stores or active state, set a new
password, remove a lost second factor. A change ends every session of the user at once
(security/revocation.py), and the last active admin can be neither demoted nor deactivated."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Parameter
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_gateway.idempotency import Reply, gateway_once, planned
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.accounts import AccountExists
from omni_gateway.security.guards import roles
from omni_gateway.security.password_policy import refuse_guessable
from omni_gateway.security.passwords import hash_off_loop
from omni_gateway.security.principals import STORE_ROLES, Kind, StaffRole
from omni_gateway.security.second_factor import SecondFactors
from omni_gateway.views.account import (
    NewStaffPassword,
    NewStaffUser,
    StaffUser,
    StaffUserChange,
    StaffUserPage,
)

USER = {"user_id": ID}
PageSize = Annotated[int, Parameter(ge=1, le=200)]
PageToken = Annotated[str, Parameter(max_length=100)]


def staff_user_view(user: dict[str, Any]) -> StaffUser:
    return StaffUser(
        id=str(user["_id"]),
        username=str(user["username"]),
        role=StaffRole(user["role"]),
        store_ids=sorted(user.get("store_ids") or []),
        active=bool(user.get("active", True)),
        second_factor=SecondFactors.enrolled(user),
    )


def _store_roles_need_stores(role: StaffRole, store_ids: list[str]) -> None:
    if role in STORE_ROLES and not store_ids:
        raise ClientException(
            "store roles need at least one store",
            status_code=422,
            extra={"errors": [{"field": "store_ids", "message": "required for this role"}]},
        )


async def create_staff_user(
    request: Request[Any, Any, Any], state: State, data: NewStaffUser
) -> Response[StaffUser]:
    """A new staff member with a password they replace at their first sign-in; once per
    idempotency key (the request's)."""
    _store_roles_need_stores(data.role, data.store_ids)
    await refuse_guessable(data.password, data.username)

    async def write(session: AsyncClientSession) -> Reply:
        try:
            # A password the admin chose: the user must replace it at their first sign-in.
            user = await state.accounts.create_staff(
                data.username,
                data.password,
                data.role,
                data.store_ids,
                session=session,
                temporary_password=True,
            )
        except AccountExists:
            raise ClientException(
                f"the username {data.username!r} is taken",
                status_code=409,
                extra={
                    "code": "USERNAME_TAKEN",
                    "errors": [{"field": "username", "message": "taken"}],
                },
            ) from None
        body = StaffUser(user.id, data.username, data.role, sorted(user.store_ids))
        return 201, msgspec.to_builtins(body)

    return await gateway_once(request, state.idempotency, "create_staff_user", planned(write))


async def staff_user_page(state: State, page_size: int = 50, page_token: str = "") -> StaffUserPage:
    users = await state.accounts.staff_page(page_token, page_size + 1)
    page = [staff_user_view(user) for user in users[:page_size]]
    more = len(users) > page_size
    return StaffUserPage(users=page, next_page_token=page[-1].username if more else "")


async def change_staff_user(state: State, user_id: str, data: StaffUserChange) -> StaffUser:
    """Role, stores or active state; the member's sessions end. The last admin stays one."""
    user = await state.accounts.staff_user(user_id)
    if user is None:
        raise NotFoundException(f"no staff user {user_id!r}")
    changes = {
        field: getattr(data, field)
        for field in ("role", "store_ids", "active")
        if getattr(data, field) is not msgspec.UNSET
    }
    if not changes:
        raise ClientException("name at least one of role, store_ids, active", status_code=422)
    role = StaffRole(changes.get("role", user["role"]))
    _store_roles_need_stores(role, changes.get("store_ids", user.get("store_ids") or []))
    stays_admin = role is StaffRole.ADMIN and changes.get("active", user.get("active", True))
    if (
        user["role"] == StaffRole.ADMIN.value
        and not stays_admin
        and not await state.accounts.other_active_admin(user_id)
    ):
        raise ClientException(
            "the last active admin cannot be demoted or deactivated",
            status_code=409,
            extra={"code": "LAST_ADMIN"},
        )
    if "role" in changes:
        changes["role"] = role.value
    if "store_ids" in changes:
        changes["store_ids"] = sorted(set(changes["store_ids"]))
    updated = await state.accounts.change_staff(user_id, changes)
    if updated is None:
        raise NotFoundException(f"no staff user {user_id!r}")
    state.session_generations.forget(user_id, kind=Kind.STAFF)
    return staff_user_view(updated)


class StaffUsers(Controller):
    path = "/staff/v1/users"
    tags = ["staff admin"]
    dependencies = {"principal": Provide(auth.staff)}
    guards = [roles(StaffRole.ADMIN)]
    security = [{"bearerAuth": []}]

    @post(
        "/",
        summary="Create a staff user (admin)",
        status_code=201,
        opt=links(201, {"GetUser": Follow("GET /staff/v1/users/{user_id}", USER)}),
    )
    async def create_user(
        self, request: Request[Any, Any, Any], state: State, data: NewStaffUser
    ) -> Response[StaffUser]:
        return await create_staff_user(request, state, data)

    @get("/", summary="Staff users by username (admin)")
    async def list_users(
        self, state: State, page_size: PageSize = 50, page_token: PageToken = ""
    ) -> StaffUserPage:
        return await staff_user_page(state, page_size, page_token)

    @get("/{user_id:str}", summary="A staff user (admin)")
    async def get_user(self, state: State, user_id: str) -> StaffUser:
        user = await state.accounts.staff_user(user_id)
        if user is None:
            raise NotFoundException(f"no staff user {user_id!r}")
        return staff_user_view(user)

    @patch(
        "/{user_id:str}",
        summary="Change a staff user's role, stores or active state (admin); their sessions end",
    )
    async def change_user(self, state: State, user_id: str, data: StaffUserChange) -> StaffUser:
        return await change_staff_user(state, user_id, data)

    @post(
        "/{user_id:str}/password",
        summary="Set a staff user's password (admin); their sessions end",
        status_code=204,
    )
    async def set_password(self, state: State, user_id: str, data: NewStaffPassword) -> None:
        user = await state.accounts.staff_user(user_id)
        if user is None:
            raise NotFoundException(f"no staff user {user_id!r}")
        await refuse_guessable(data.new_password, user["username"], field="new_password")
        hashed = await hash_off_loop(data.new_password)
        # A password someone else chose: the user must replace it at their next sign-in.
        changes = {"password": hashed, "password_change_required": True}
        if await state.accounts.change_staff(user_id, changes) is None:
            raise NotFoundException(f"no staff user {user_id!r}")
        state.session_generations.forget(user_id, kind=Kind.STAFF)

    @delete(
        "/{user_id:str}/second-factor",
        summary="Remove a staff user's second factor (admin; a lost phone); their sessions end",
        status_code=204,
    )
    async def remove_second_factor(self, state: State, user_id: str) -> None:
        if await state.accounts.staff_user(user_id) is None:
            raise NotFoundException(f"no staff user {user_id!r}")
        await state.second_factors.remove(user_id)
        await state.accounts.change_staff(user_id, {})
        state.session_generations.forget(user_id, kind=Kind.STAFF)
