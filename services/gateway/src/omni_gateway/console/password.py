"""Choosing one's own password in the console: what a staff member whose password an admin set
must do first (the API refuses everything else until then). The change is the staff API's
(staff/auth.py): the same checks, and every other session of theirs ends."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotAuthorizedException
from litestar.response import Redirect, Template

from omni_gateway.console import session
from omni_gateway.console.render import page
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.staff.auth import change_password
from omni_gateway.views.account import PasswordChange

FIELDS = ("current_password", "new_password")
HOME = f"{session.PATH}/customers"


class ConsolePassword(Controller):
    path = f"{session.PATH}/password"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff_own_account)}

    @get("/")
    async def form(self, request: Request[Any, Any, Any], principal: Principal) -> Template:
        return page(request, "password.html", principal, errors={})

    @post("/")
    async def change(
        self, request: Request[Any, Any, Any], state: State, principal: Principal
    ) -> Template | Redirect:
        form = await request.form()
        try:
            data = msgspec.convert({k: str(form.get(k, "")) for k in FIELDS}, PasswordChange)
            issued = await change_password(state, principal, data)
        except msgspec.ValidationError as error:
            field = next((name for name in FIELDS if f"$.{name}" in str(error)), "new_password")
            return self._refused(request, principal, {field: str(error)})
        except NotAuthorizedException:
            raise
        except ClientException as error:
            extra = error.extra if isinstance(error.extra, dict) else {}
            named = {e["field"]: e["message"] for e in extra.get("errors") or []}
            return self._refused(request, principal, named or {"new_password": error.detail})
        current = request.session
        session.start(current, issued, str(current.get("user", "")), str(current.get("zone", "")))
        return Redirect(HOME, status_code=303)

    @staticmethod
    def _refused(
        request: Request[Any, Any, Any], principal: Principal, errors: dict[str, str]
    ) -> Template:
        return page(request, "password.html", principal, status=422, errors=errors)
