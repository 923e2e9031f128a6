"""Administration (admins): marketplace partners and their API keys (staff users: users.py)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException
from pymongo.asynchronous.client_session import AsyncClientSession

from omni_gateway.idempotency import Reply, gateway_once, planned
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import StaffRole
from omni_gateway.staff.users import PageSize, PageToken
from omni_gateway.views.account import (
    ApiKey,
    IssuedApiKey,
    NewApiKey,
    NewPartner,
    Partner,
    PartnerKeys,
    PartnerPage,
)
from omni_kit.ids import new_id, utcnow

PARTNER = {"partner_id": ID}


async def create_partner(
    request: Request[Any, Any, Any], state: State, data: NewPartner
) -> Response[Partner]:
    """A partner with a unique name; once per idempotency key (the request's)."""

    async def write(session: AsyncClientSession) -> Reply:
        partner_id = new_id("ptn")
        if await state.api_keys.partners.find_one({"name": data.name}, session=session):
            raise ClientException(
                f"a partner named {data.name!r} exists",
                status_code=409,
                extra={"code": "PARTNER_EXISTS", "errors": [{"field": "name", "message": "taken"}]},
            )
        await state.api_keys.partners.insert_one(
            {"_id": partner_id, "name": data.name, "created_at": utcnow()}, session=session
        )
        return 201, msgspec.to_builtins(Partner(partner_id, data.name))

    return await gateway_once(request, state.idempotency, "create_partner", planned(write))


async def issue_api_key(
    request: Request[Any, Any, Any], state: State, partner_id: str, data: NewApiKey
) -> Response[IssuedApiKey]:
    """A new key whose secret is in this reply only."""
    if await state.api_keys.partners.find_one({"_id": partner_id}) is None:
        raise NotFoundException(f"no partner {partner_id!r}")

    async def write(session: AsyncClientSession) -> Reply:
        raw, record = await state.api_keys.create(
            partner_id, data.scopes, data.label, session=session
        )
        body = IssuedApiKey(record["_id"], partner_id, record["scopes"], data.label, raw)
        return 201, msgspec.to_builtins(body)

    return await gateway_once(request, state.idempotency, "create_api_key", planned(write))


async def revoke_api_key(state: State, partner_id: str, key_id: str) -> None:
    if not await state.api_keys.revoke(partner_id, key_id):
        raise NotFoundException(f"no active key {key_id!r} for partner {partner_id!r}")


async def partner_page(state: State, page_size: int = 50, page_token: str = "") -> PartnerPage:
    """Partners by name after `page_token` (the last name of the page before), each with its
    active keys (never their secrets)."""
    partners = await state.api_keys.partner_page(page_token, page_size + 1)
    more, partners = len(partners) > page_size, partners[:page_size]
    by_partner: dict[str, list[ApiKey]] = {}
    for key in await state.api_keys.active_keys([partner["_id"] for partner in partners]):
        by_partner.setdefault(key["partner_id"], []).append(
            ApiKey(key["_id"], key["scopes"], key["label"], key["created_at"])
        )
    found = [
        PartnerKeys(Partner(p["_id"], p["name"]), by_partner.get(p["_id"], [])) for p in partners
    ]
    return PartnerPage(partners=found, next_page_token=partners[-1]["name"] if more else "")


class StaffAdmin(Controller):
    path = "/staff/v1"
    tags = ["staff admin"]
    dependencies = {"principal": Provide(auth.staff)}
    guards = [roles(StaffRole.ADMIN)]
    security = [{"bearerAuth": []}]

    @get("/partners", summary="Marketplace partners by name, with their active API keys (admin)")
    async def list_partners(
        self, state: State, page_size: PageSize = 50, page_token: PageToken = ""
    ) -> PartnerPage:
        return await partner_page(state, page_size, page_token)

    @post(
        "/partners",
        summary="Register a marketplace partner (admin)",
        status_code=201,
        opt=links(
            201,
            {
                "IssueKey": Follow("POST /staff/v1/partners/{partner_id}/api-keys", PARTNER),
                "StockPolicy": Follow(
                    "PUT /staff/v1/inventory/partners/{partner_id}/stock-policy", PARTNER
                ),
            },
        ),
    )
    async def create_partner(
        self, request: Request[Any, Any, Any], state: State, data: NewPartner
    ) -> Response[Partner]:
        return await create_partner(request, state, data)

    @post(
        "/partners/{partner_id:str}/api-keys",
        summary="Issue an API key (admin); its secret is shown once",
        status_code=201,
        opt=links(
            201,
            {
                "RevokeKey": Follow(
                    "DELETE /staff/v1/partners/{partner_id}/api-keys/{key_id}",
                    {"partner_id": "$response.body#/partner_id", "key_id": ID},
                ),
            },
        ),
    )
    async def create_key(
        self, request: Request[Any, Any, Any], state: State, partner_id: str, data: NewApiKey
    ) -> Response[IssuedApiKey]:
        return await issue_api_key(request, state, partner_id, data)

    @delete(
        "/partners/{partner_id:str}/api-keys/{key_id:str}",
        summary="Revoke an API key (admin)",
        status_code=204,
    )
    async def revoke_key(self, state: State, partner_id: str, key_id: str) -> None:
        await revoke_api_key(state, partner_id, key_id)
