"""The admin's staff users page: the members by username (paged), a new member (with a
password they replace at their first sign-in), and a member's role and stores. Admins only, as
in the staff API, whose code this page calls (staff/users.py); refusals at the field."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Redirect, Template

from omni_gateway.console.admin_catalog import PAGE, Refusal, refusal, require_admin
from omni_gateway.console.render import page
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.staff.users import change_staff_user, create_staff_user, staff_user_page
from omni_gateway.views.account import NewStaffUser, StaffUserChange
from omni_kit.ids import new_id

Token = Annotated[str, Parameter(max_length=100)]
USER_FIELDS = ("username", "password", "role", "store_ids")


def stores_of(text: str) -> list[str]:
    """ "st_1, st_2" as the list the API takes."""
    return [part.strip() for part in text.replace(",", " ").split() if part.strip()]


class ConsolePeople(Controller):
    path = f"{PATH}/admin/users"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/")
    async def users(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, after: Token = ""
    ) -> Template:
        require_admin(principal)
        return await self._page(request, state, principal, after)

    @post("/")
    async def create(
        self, request: Request[Any, Any, Any], state: State, principal: Principal
    ) -> Template | Redirect:
        require_admin(principal)
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in USER_FIELDS}
        try:
            body = msgspec.convert(
                {
                    "username": values["username"],
                    "password": str(form.get("password", "")),
                    "role": values["role"],
                    "store_ids": stores_of(values["store_ids"]),
                },
                NewStaffUser,
            )
            await create_staff_user(request, state, body)
        except Refusal as error:
            values["password"] = ""
            return await self._page(
                request,
                state,
                principal,
                "",
                status=422,
                new=values,
                errors=refusal(error, USER_FIELDS),
            )
        return Redirect(f"{PATH}/admin/users?created={values['username']}", status_code=303)

    @post("/{user_id:str}")
    async def change(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, user_id: str
    ) -> Template | Redirect:
        require_admin(principal)
        form = await request.form()
        try:
            body = msgspec.convert(
                {
                    "role": str(form.get("role", "")),
                    "store_ids": stores_of(str(form.get("store_ids", ""))),
                },
                StaffUserChange,
            )
            await change_staff_user(state, user_id, body)
        except Refusal as error:
            return await self._page(
                request,
                state,
                principal,
                "",
                status=422,
                user_errors={user_id: refusal(error, USER_FIELDS)},
            )
        return Redirect(f"{PATH}/admin/users?changed={user_id}", status_code=303)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        after: str,
        *,
        status: int = 200,
        **context: Any,
    ) -> Template:
        found = await staff_user_page(state, PAGE, after)
        defaults: dict[str, Any] = {
            "new": dict.fromkeys(USER_FIELDS, "") | {"role": StaffRole.ASSOCIATE.value},
            "errors": {},
            "user_errors": {},
            "user_key": new_id("user"),
            "roles": [role.value for role in StaffRole],
            "created": request.query_params.get("created", ""),
            "changed": request.query_params.get("changed", ""),
        }
        return page(
            request,
            "admin_users.html",
            principal,
            status=status,
            found=found,
            **defaults | context,
        )
