"""Product, listing and category administration for staff; versions travel as ETags."""

from __future__ import annotations

from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide

from omni.catalog.v1 import catalog_pb2
from omni_gateway.resources import as_json
from omni_gateway.routes.catalog.common import (
    Attrs,
    PageSize,
    Sort,
    Text,
    Token,
    browse_request,
    call,
    channel_ref,
    expected_version,
    parse,
    partial,
    path_channel,
    require_version,
    shown,
    tagged,
    without_version,
)
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole

# No catalog-specific staff role exists yet: product content and prices are the admins' job.
EDITORS = (StaffRole.ADMIN,)


class CatalogAdmin(Controller):
    """Staff views (every staff role) and edits (EDITORS only); versions travel as ETags."""

    path = "/staff/v1/catalog"
    tags = ["catalog admin"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/products", summary="Products in any status; with a channel, its listings")
    async def products(
        self,
        state: State,
        principal: Principal,
        channel: Channel | None = None,
        partner_id: Text = None,
        q: Text = None,
        category: Text = None,
        subcategories: bool = True,
        attr: Attrs = None,
        sort: Sort = "recently_updated",
        page_size: PageSize = 50,
        page_token: Token = None,
    ) -> dict[str, Any]:
        ref = channel_ref(channel, partner_id or "") if channel else None
        request = browse_request(
            ref,
            q=q,
            category=category,
            subcategories=subcategories,
            attr=attr,
            min_price=None,
            max_price=None,
            currency=None,
            sort=sort,
            page_size=page_size,
            page_token=page_token,
        )
        request.include_unpublished = True
        request.statuses.extend(
            s
            for s in catalog_pb2.ProductStatus.values()
            if s != catalog_pb2.PRODUCT_STATUS_UNSPECIFIED
        )
        reply = await call(state, state.downstream.catalog.ListProducts, request, idempotent=True)
        items = [shown(p, reply.listings.get(p.id), None) for p in reply.products]
        return {"items": items, "next_page_token": reply.next_page_token or None}

    @post("/products", summary="Create a product (catalog editors)", status_code=201)
    async def create_product(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: Any
    ) -> Response[Any]:
        auth.require_roles(principal, *EDITORS)
        product = parse(data, catalog_pb2.Product)

        reply = await call(
            state,
            state.downstream.catalog.CreateProduct,
            catalog_pb2.CreateProductRequest(product=product),
            idempotent=False,
        )
        return Response(as_json(reply.product), status_code=201)

    @get("/products/{product_id:str}", summary="A product, any status; its version as ETag")
    async def product(
        self, state: State, principal: Principal, product_id: str
    ) -> Response[dict[str, Any]]:
        reply = await call(
            state,
            state.downstream.catalog.GetProduct,
            catalog_pb2.GetProductRequest(product_id=product_id),
            idempotent=True,
        )
        return tagged(reply.product)

    @patch(
        "/products/{product_id:str}",
        summary="Change the fields the body names (If-Match: the ETag; stale -> 409)",
    )
    async def update_product(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        product_id: str,
        data: Any,
    ) -> Response[dict[str, Any]]:
        auth.require_roles(principal, *EDITORS)
        product, paths, version = partial(request, data, catalog_pb2.Product)
        product.id = product_id
        reply = await call(
            state,
            state.downstream.catalog.UpdateProduct,
            catalog_pb2.UpdateProductRequest(
                product=product, update_mask=FieldMask(paths=paths), expected_version=version
            ),
            idempotent=True,
            paths=paths,
        )
        return tagged(reply.product)

    @delete("/products/{product_id:str}", summary="Delete a product (If-Match)", status_code=204)
    async def delete_product(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, product_id: str
    ) -> None:
        auth.require_roles(principal, *EDITORS)
        await call(
            state,
            state.downstream.catalog.DeleteProduct,
            catalog_pb2.DeleteProductRequest(
                product_id=product_id, expected_version=require_version(request)
            ),
            idempotent=True,
        )

    @get("/products/{product_id:str}/listings", summary="A product's listings on every channel")
    async def listings(self, state: State, principal: Principal, product_id: str) -> dict[str, Any]:
        reply = await call(
            state,
            state.downstream.catalog.ListChannelListings,
            catalog_pb2.ListChannelListingsRequest(product_id=product_id, page_size=200),
            idempotent=True,
        )
        return {"items": [as_json(listing) for listing in reply.listings]}

    @put(
        "/products/{product_id:str}/listings/{channel:str}",
        summary="Create (no If-Match) or replace (If-Match) a product's listing on a channel",
    )
    async def put_listing(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        product_id: str,
        channel: str,
        data: Any,
        partner_id: Text = None,
    ) -> Response[dict[str, Any]]:
        auth.require_roles(principal, *EDITORS)
        version = expected_version(request, data if isinstance(data, dict) else None)
        listing = parse(without_version(data), catalog_pb2.ChannelListing)
        listing.product_id = product_id
        listing.channel.CopyFrom(path_channel(channel, partner_id))
        reply = await call(
            state,
            state.downstream.catalog.UpsertChannelListing,
            catalog_pb2.UpsertChannelListingRequest(listing=listing, expected_version=version),
            idempotent=False,
        )
        return tagged(reply.listing)

    @patch(
        "/products/{product_id:str}/listings/{channel:str}",
        summary="Change a listing's price, sale or published flag (If-Match; stale -> 409)",
    )
    async def patch_listing(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        product_id: str,
        channel: str,
        data: Any,
        partner_id: Text = None,
    ) -> Response[dict[str, Any]]:
        auth.require_roles(principal, *EDITORS)
        listing, paths, version = partial(request, data, catalog_pb2.ChannelListing)
        listing.product_id = product_id
        listing.channel.CopyFrom(path_channel(channel, partner_id))
        reply = await call(
            state,
            state.downstream.catalog.UpdateChannelListing,
            catalog_pb2.UpdateChannelListingRequest(
                listing=listing, update_mask=FieldMask(paths=paths), expected_version=version
            ),
            idempotent=True,
            paths=paths,
        )
        return tagged(reply.listing)

    @post("/categories", summary="Create a category (catalog editors)", status_code=201)
    async def create_category(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: Any
    ) -> Response[Any]:
        auth.require_roles(principal, *EDITORS)
        category = parse(data, catalog_pb2.Category)

        reply = await call(
            state,
            state.downstream.catalog.CreateCategory,
            catalog_pb2.CreateCategoryRequest(category=category),
            idempotent=False,
        )
        return Response(as_json(reply.category), status_code=201)

    @get("/categories/{category_id:str}", summary="A category; its version as ETag")
    async def category(
        self, state: State, principal: Principal, category_id: str
    ) -> Response[dict[str, Any]]:
        reply = await call(
            state,
            state.downstream.catalog.GetCategory,
            catalog_pb2.GetCategoryRequest(category_id=category_id),
            idempotent=True,
        )
        return tagged(reply.category)

    @patch(
        "/categories/{category_id:str}",
        summary="Rename, re-slug or move a category with its subtree (If-Match; stale -> 409)",
    )
    async def update_category(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        category_id: str,
        data: Any,
    ) -> Response[dict[str, Any]]:
        auth.require_roles(principal, *EDITORS)
        category, paths, version = partial(request, data, catalog_pb2.Category)
        category.id = category_id
        reply = await call(
            state,
            state.downstream.catalog.UpdateCategory,
            catalog_pb2.UpdateCategoryRequest(
                category=category, update_mask=FieldMask(paths=paths), expected_version=version
            ),
            idempotent=True,
            paths=paths,
        )
        return tagged(reply.category)
