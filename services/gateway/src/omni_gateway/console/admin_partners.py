"""The admin's partners page: marketplace partners by name (paged) with their active API keys,
a new partner, a new key (its secret shown on this one reply, never again) and a key revoked.
Admins only, as in the staff API, whose code this page calls (staff/admin.py); refusals at the
field."""

from __future__ import annotations

from typing import Annotated, Any, get_args

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
from omni_gateway.security.api_keys import Scope
from omni_gateway.security.principals import Principal
from omni_gateway.staff.admin import create_partner, issue_api_key, partner_page, revoke_api_key
from omni_gateway.views.account import NewApiKey, NewPartner

Token = Annotated[str, Parameter(max_length=100)]
PARTNER_FIELDS = ("name",)
KEY_FIELDS = ("scopes", "label")


class ConsolePartners(Controller):
    path = f"{PATH}/admin/partners"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/")
    async def partners(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, after: Token = ""
    ) -> Template:
        require_admin(principal)
        return await self._page(request, state, principal, after=after)

    @post("/")
    async def create(
        self, request: Request[Any, Any, Any], state: State, principal: Principal
    ) -> Template | Redirect:
        require_admin(principal)
        name = str((await request.form()).get("name", "")).strip()
        try:
            await create_partner(request, state, msgspec.convert({"name": name}, NewPartner))
        except Refusal as error:
            errors = refusal(error, PARTNER_FIELDS)
            return await self._page(
                request, state, principal, status=422, new_name=name, errors=errors
            )
        return Redirect(f"{PATH}/admin/partners?created={name}", status_code=303)

    @post("/{partner_id:str}/keys")
    async def issue(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, partner_id: str
    ) -> Template:
        """The new key's secret goes into this page only (no redirect: never in a URL)."""
        require_admin(principal)
        form = await request.form()
        body = {"scopes": form.getall("scopes", []), "label": str(form.get("label", "")).strip()}
        try:
            issued = await issue_api_key(
                request, state, partner_id, msgspec.convert(body, NewApiKey)
            )
        except Refusal as error:
            return await self._key_refused(request, state, principal, partner_id, error)
        return await self._page(request, state, principal, status=201, issued=issued.content)

    @post("/{partner_id:str}/keys/{key_id:str}/revoke")
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        partner_id: str,
        key_id: str,
    ) -> Template | Redirect:
        require_admin(principal)
        try:
            await revoke_api_key(state, partner_id, key_id)
        except Refusal as error:
            return await self._key_refused(request, state, principal, partner_id, error)
        return Redirect(f"{PATH}/admin/partners?revoked={key_id}", status_code=303)

    async def _key_refused(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        partner_id: str,
        error: Exception,
    ) -> Template:
        errors = {partner_id: refusal(error, KEY_FIELDS)}
        return await self._page(request, state, principal, status=422, key_errors=errors)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        *,
        after: str = "",
        status: int = 200,
        **context: Any,
    ) -> Template:
        found = await partner_page(state, PAGE, after)
        defaults: dict[str, Any] = {
            "new_name": "",
            "errors": {},
            "key_errors": {},
            "issued": None,
            "scopes": list(get_args(Scope)),
            "created": request.query_params.get("created", ""),
            "revoked": request.query_params.get("revoked", ""),
        }
        return page(
            request,
            "admin_partners.html",
            principal,
            status=status,
            found=found.partners,
            next_after=found.next_page_token,
            **defaults | context,
        )
