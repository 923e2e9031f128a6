"""The admin's catalog pages: products (search, page, view, change name and status) and their
listings per channel (publish, the list price per currency). Admins only, as in the staff API,
whose code these pages call (staff/catalog.py, staff/listings.py); a refusal is shown next to
the field the API names."""

from __future__ import annotations

from typing import Annotated, Any

import grpc
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.response import Template

from omni_gateway.catalog_calls import browse_request
from omni_gateway.console.labels import N_
from omni_gateway.console.render import page, translate
from omni_gateway.console.session import PATH
from omni_gateway.console.variant_prices import (
    NEW_CURRENCY,
    NEW_PRICE,
    entry_field,
    form_prices,
    minor_units,
    table,
)
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_gateway.staff.catalog import change_product, staff_product, staff_products
from omni_gateway.staff.listings import change_listing, product_listings
from omni_gateway.views.product import ProductStatus, StaffListingView, product_view
from omni_gateway.views.product_requests import ListingChanges, ProductChanges
from omni_kit.errors import error_details

PAGE = 20
Query = Annotated[str, Parameter(max_length=100)]
Token = Annotated[str, Parameter(max_length=500)]
REFUSED = (
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.NOT_FOUND,
)


def require_admin(principal: Principal) -> None:
    auth.require_roles(principal, StaffRole.ADMIN)


# What the admin pages catch: a body that does not validate, a route's refusal (the staff API's
# problem, with the fields it names), a service's refusal.
Refusal = (msgspec.ValidationError, HTTPException, grpc.aio.AioRpcError)


def refusal(error: Exception, fields: tuple[str, ...]) -> dict[str, str]:
    """The API's refusal at the form field it names (the whole form when it names none)."""
    message, name = refused_at(error)
    leaf = name.split("[")[0].split(".")
    known = [part for part in leaf if part in fields]
    return {known[-1] if known else "form": message}


def refused_at(error: Exception) -> tuple[str, str]:
    """The API's message and the field it names ("" for none)."""
    if isinstance(error, msgspec.ValidationError):
        message = str(error)
        name = message.rpartition("at `$.")[2].rstrip("`")
    elif isinstance(error, HTTPException):
        if error.status_code >= 500:
            raise error
        extra = error.extra if isinstance(error.extra, dict) else {}
        named = [e for e in extra.get("errors", []) if isinstance(e, dict) and e.get("field")]
        message, name = error.detail, str(named[0]["field"]) if named else ""
    else:
        assert isinstance(error, grpc.aio.AioRpcError)
        details = error_details(error)
        if details.code not in REFUSED:
            raise error
        message, name = details.message, details.field or ""
    return message, name


class ConsoleCatalog(Controller):
    path = f"{PATH}/admin/products"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/")
    async def products(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        q: Query = "",
        page_token: Token = "",
    ) -> Template:
        require_admin(principal)
        ask = browse_request(
            None,
            q=q or None,
            category=None,
            subcategories=True,
            attr=None,
            sort="relevance" if q else "recently_updated",
            page_size=PAGE,
            page_token=page_token or None,
        )
        found = await staff_products(state, ask)
        template = (
            "_admin_products.html" if request.headers.get("hx-request") else "admin_products.html"
        )
        return page(request, template, principal, q=q, found=found)

    @get("/{product_id:str}")
    async def product(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, product_id: str
    ) -> Template:
        require_admin(principal)
        return await self._product_page(request, state, principal, product_id)

    @post("/{product_id:str}")
    async def change(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, product_id: str
    ) -> Template:
        require_admin(principal)
        form = await request.form()
        current = await staff_product(state, product_id)
        language = current.default_language or "en"
        texts = {k: msgspec.structs.asdict(v) for k, v in product_view(current).texts.items()}
        texts[language] = texts.get(language, {}) | {"name": str(form.get("name", "")).strip()}
        try:
            version = int(str(form.get("version", "")))
            changes = msgspec.convert(
                {"texts": texts, "status": str(form.get("status", ""))}, ProductChanges
            )
            await change_product(state, product_id, changes, version)
        except ValueError:
            errors = {"form": translate(request, N_("Reload the page and try again."))}
        except Refusal as error:
            errors = refusal(error, ("name", "status", "texts", "version"))
            if "texts" in errors:
                errors["name"] = errors.pop("texts")
        else:
            return await self._product_page(request, state, principal, product_id, saved="product")
        return await self._product_page(
            request, state, principal, product_id, product_errors=errors
        )

    @post("/{product_id:str}/listings/{channel:str}")
    async def change_listing(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        product_id: str,
        channel: Channel,
    ) -> Template:
        require_admin(principal)
        form = await request.form()
        currency = str(form.get("currency", "")).strip().upper()
        listing = await self._listing(state, product_id, channel)
        skus = [v.sku for v in (await staff_product(state, product_id)).variants]
        prices, fields, errors = form_prices(request, listing, skus, form)
        typed_fields = {*fields, *errors, NEW_PRICE, NEW_CURRENCY, "new_sku"}
        body: dict[str, Any] = {"published": form.get("published") == "on", "prices": prices}
        try:
            body["version"] = int(str(form.get("version", "")))
            amount = minor_units(request, str(form.get("price", "")), currency)
            body["price"] = {"amount_minor": amount, "currency": currency}
        except ValueError as error:
            errors["price"] = str(error)
        if not errors:
            try:
                changes = msgspec.convert(body, ListingChanges)
                await change_listing(state, product_id, channel, "", changes, body["version"])
            except Refusal as error:
                message, name = refused_at(error)
                at = entry_field(name, fields)
                named = ("price", "currency", "published", "version")
                errors = {at: message} if at else refusal(error, named)
        if errors:
            return await self._product_page(
                request,
                state,
                principal,
                product_id,
                listing_errors={channel.value: errors},
                typed={channel.value: {k: str(v) for k, v in form.items() if k in typed_fields}},
            )
        return await self._product_page(
            request, state, principal, product_id, saved=f"listing:{channel.value}"
        )

    async def _listing(self, state: State, product_id: str, channel: Channel) -> StaffListingView:
        listings = (await product_listings(state, product_id)).items
        found = [item for item in listings if item.channel == channel and not item.partner_id]
        if not found:
            raise HTTPException(status_code=404, detail=f"{product_id} is not listed on {channel}")
        return found[0]

    async def _product_page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        product_id: str,
        *,
        saved: str = "",
        product_errors: dict[str, str] | None = None,
        listing_errors: dict[str, dict[str, str]] | None = None,
        typed: dict[str, dict[str, str]] | None = None,
    ) -> Template:
        found = await staff_product(state, product_id)
        view = product_view(found)
        text = view.texts.get(view.default_language) or next(iter(view.texts.values()), None)
        failed = bool(product_errors or listing_errors)
        listings = (await product_listings(state, product_id)).items
        return page(
            request,
            "admin_product.html",
            principal,
            status=422 if failed else 200,
            product=view,
            name=text.name if text else "",
            version=found.version,
            statuses=[s.value for s in ProductStatus],
            listings=listings,
            variant_prices={
                listing.channel: table(listing, [v.sku for v in view.variants])
                for listing in listings
            },
            saved=saved,
            product_errors=product_errors or {},
            listing_errors=listing_errors or {},
            typed=typed or {},
        )
