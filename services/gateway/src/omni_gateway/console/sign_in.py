"""Signing in and out of the console, and choosing its language. Sign-in is the staff API's
(staff/auth.py): the same password check, second factor and session."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect, Template

from omni.inventory.v1.inventory_pb2 import GetStockLocationRequest
from omni_gateway.console import i18n, session
from omni_gateway.console.labels import N_
from omni_gateway.console.render import page, translate
from omni_gateway.security.principals import Principal
from omni_gateway.staff.auth import sign_in
from omni_gateway.views.account import StaffCredentials

HOME = f"{session.PATH}/customers"
ENDED = {
    "idle": N_("You were signed out after a while without activity. Sign in again."),
    "ended": N_("Your session has ended. Sign in again."),
}


def safe_next(target: str) -> str:
    """Only a console page may follow sign-in (never another site)."""
    if target.startswith(f"{session.PATH}/") and not target.startswith("//"):
        return target
    return HOME


async def store_zone(state: State, principal: Principal) -> str:
    """The zone of the member's first store; the console's zone for staff without a store."""
    if principal.store_ids:
        reply = await state.downstream.call(
            state.downstream.inventory.GetStockLocation,
            GetStockLocationRequest(location_id=sorted(principal.store_ids)[0]),
            idempotent=True,
        )
        if reply.location.time_zone:
            return str(reply.location.time_zone)
    return str(state.settings.console_time_zone)


class ConsoleSignIn(Controller):
    path = session.PATH
    include_in_schema = False

    @get("/sign-in")
    async def form(
        self, request: Request[Any, Any, Any], next: str = "", ended: str = ""
    ) -> Template:
        message = translate(request, ENDED[ended]) if ended in ENDED else ""
        return page(request, "sign_in.html", next=safe_next(next), notice=message, errors={})

    @post("/sign-in")
    async def sign_in(self, request: Request[Any, Any, Any], state: State) -> Template | Redirect:
        form = await request.form()
        target = safe_next(str(form.get("next", "")))
        try:
            credentials = msgspec.convert(
                {key: str(form.get(key, "")) for key in ("username", "password", "otp")},
                StaffCredentials,
            )
            issued = await sign_in(state, credentials)
        except (msgspec.ValidationError, NotAuthorizedException) as error:
            extra = getattr(error, "extra", None)
            needs_code = (
                isinstance(extra, dict) and extra.get("code") == "SECOND_FACTOR_CODE_REQUIRED"
            )
            field, message = (
                ("otp", N_("Enter the code from your authenticator app."))
                if needs_code
                else ("password", N_("Wrong username, password or code."))
            )
            return page(
                request,
                "sign_in.html",
                status=401,
                next=target,
                notice="",
                username=str(form.get("username", "")),
                errors={field: translate(request, message)},
            )
        principal = state.tokens.verify(issued.access_token, "omni-staff")
        zone = await store_zone(state, principal)
        session.start(request.session, issued, credentials.username, zone)
        return Redirect(target, status_code=303)

    @post("/sign-out")
    async def sign_out(self, request: Request[Any, Any, Any], state: State) -> Redirect:
        refresh = request.session.get("refresh")
        if refresh:
            await state.accounts.revoke_refresh(str(refresh))
        request.clear_session()
        return Redirect(f"{session.PATH}/sign-in", status_code=303)

    @post("/language")
    async def language(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await request.form()
        chosen = str(form.get("lang", ""))
        if chosen in i18n.LOCALES:
            request.session["lang"] = chosen
        return Redirect(safe_next(str(form.get("next", ""))), status_code=303)
