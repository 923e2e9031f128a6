"""Product and category administration for staff: every staff role reads, catalog editors
change. A product's or category's version travels as its ETag and comes back as If-Match."""

from __future__ import annotations

from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.catalog.v1 import catalog_pb2
from omni_gateway.catalog_calls import (
    ETAG_HEADER,
    Attrs,
    PageSize,
    Sort,
    Text,
    Token,
    browse_request,
    call,
    etag,
    require_version,
)
from omni_gateway.context import channel_ref
from omni_gateway.openapi import ETAG, ID, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_gateway.views.product import (
    CategoryView,
    ProductView,
    StaffProductPage,
    category_view,
    product_view,
    staff_browse_item,
)
from omni_gateway.views.product_requests import (
    CategoryChanges,
    NewCategory,
    NewProduct,
    ProductChanges,
    category_message,
    product_message,
)

# No catalog-specific staff role exists yet: product content and prices are the admins' job.
EDITORS = (StaffRole.ADMIN,)
FIRST_PRODUCT = "$response.body#/items/0/product"
PRODUCT = "/staff/v1/catalog/products/{product_id}"
VERSIONED = {"product_id": ID, "header.If-Match": ETAG}
PRODUCT_LINKS = {
    "ChangeProduct": Follow(f"PATCH {PRODUCT}", VERSIONED),
    "DeleteProduct": Follow(f"DELETE {PRODUCT}", VERSIONED),
    "Listings": Follow(f"GET {PRODUCT}/listings", {"product_id": ID}),
    "PutListing": Follow(f"PUT {PRODUCT}/listings/{{channel}}", {"product_id": ID}),
}


def tagged_product(product: catalog_pb2.Product, status_code: int = 200) -> Response[ProductView]:
    return Response(product_view(product), status_code=status_code, headers=etag(product.version))


async def staff_products(
    state: State, request: catalog_pb2.ListProductsRequest
) -> StaffProductPage:
    """Products in every status (unpublished too), as the staff list and the console show them."""
    request.include_unpublished = True
    request.statuses.extend(
        s for s in catalog_pb2.ProductStatus.values() if s != catalog_pb2.PRODUCT_STATUS_UNSPECIFIED
    )
    reply = await call(state, state.downstream.catalog.ListProducts, request, idempotent=True)
    return StaffProductPage(
        items=[staff_browse_item(p, reply.listings.get(p.id)) for p in reply.products],
        next_page_token=reply.next_page_token or None,
    )


async def staff_product(state: State, product_id: str) -> catalog_pb2.Product:
    reply = await call(
        state,
        state.downstream.catalog.GetProduct,
        catalog_pb2.GetProductRequest(product_id=product_id),
        idempotent=True,
    )
    return reply.product


async def change_product(
    state: State, product_id: str, data: ProductChanges, version: int
) -> catalog_pb2.Product:
    """The fields the body names, at the product's `version` (stale: 409)."""
    product, paths = product_message(data)
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
    return reply.product


def tagged_category(
    category: catalog_pb2.Category, status_code: int = 200
) -> Response[CategoryView]:
    return Response(
        category_view(category), status_code=status_code, headers=etag(category.version)
    )


class CatalogAdmin(Controller):
    """Staff views (every staff role) and edits (EDITORS only)."""

    path = "/staff/v1/catalog"
    tags = ["catalog admin"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get(
        "/products",
        summary="Products in any status; with a channel, its listings",
        opt=links(
            200,
            {
                "GetProduct": Follow(
                    "GET /staff/v1/catalog/products/{product_id}",
                    {"product_id": f"{FIRST_PRODUCT}/id"},
                ),
                "SkuStock": Follow(
                    "GET /staff/v1/inventory/skus/{sku}/stock",
                    {"sku": f"{FIRST_PRODUCT}/variants/0/sku"},
                ),
            },
        ),
    )
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
    ) -> StaffProductPage:
        request = browse_request(
            channel_ref(channel, partner_id=partner_id or "") if channel else None,
            q=q,
            category=category,
            subcategories=subcategories,
            attr=attr,
            sort=sort,
            page_size=page_size,
            page_token=page_token,
        )
        return await staff_products(state, request)

    @post(
        "/products",
        response_headers=ETAG_HEADER,
        summary="Create a product (catalog editors); its version as ETag",
        status_code=201,
        guards=[roles(*EDITORS)],
    )
    async def create_product(self, state: State, data: NewProduct) -> Response[ProductView]:
        product, _ = product_message(data)
        reply = await call(
            state,
            state.downstream.catalog.CreateProduct,
            catalog_pb2.CreateProductRequest(product=product),
            idempotent=False,
        )
        return tagged_product(reply.product, 201)

    @get(
        "/products/{product_id:str}",
        response_headers=ETAG_HEADER,
        summary="A product, any status; its version as ETag",
        opt=links(200, PRODUCT_LINKS),
    )
    async def product(
        self, state: State, principal: Principal, product_id: str
    ) -> Response[ProductView]:
        return tagged_product(await staff_product(state, product_id))

    @patch(
        "/products/{product_id:str}",
        response_headers=ETAG_HEADER,
        summary="Change the fields the body names (If-Match: the ETag; stale -> 409)",
        guards=[roles(*EDITORS)],
    )
    async def update_product(
        self, request: Request[Any, Any, Any], state: State, product_id: str, data: ProductChanges
    ) -> Response[ProductView]:
        version = require_version(request, data.version)
        return tagged_product(await change_product(state, product_id, data, version))

    @delete(
        "/products/{product_id:str}",
        summary="Delete a product (If-Match)",
        status_code=204,
        guards=[roles(*EDITORS)],
    )
    async def delete_product(
        self, request: Request[Any, Any, Any], state: State, product_id: str
    ) -> None:
        await call(
            state,
            state.downstream.catalog.DeleteProduct,
            catalog_pb2.DeleteProductRequest(
                product_id=product_id, expected_version=require_version(request)
            ),
            idempotent=True,
        )

    @post(
        "/categories",
        response_headers=ETAG_HEADER,
        summary="Create a category (catalog editors); its version as ETag",
        status_code=201,
        guards=[roles(*EDITORS)],
    )
    async def create_category(self, state: State, data: NewCategory) -> Response[CategoryView]:
        category, _ = category_message(data)
        reply = await call(
            state,
            state.downstream.catalog.CreateCategory,
            catalog_pb2.CreateCategoryRequest(category=category),
            idempotent=False,
        )
        return tagged_category(reply.category, 201)

    @get(
        "/categories/{category_id:str}",
        summary="A category; its version as ETag",
        response_headers=ETAG_HEADER,
    )
    async def category(
        self, state: State, principal: Principal, category_id: str
    ) -> Response[CategoryView]:
        reply = await call(
            state,
            state.downstream.catalog.GetCategory,
            catalog_pb2.GetCategoryRequest(category_id=category_id),
            idempotent=True,
        )
        return tagged_category(reply.category)

    @patch(
        "/categories/{category_id:str}",
        response_headers=ETAG_HEADER,
        summary="Rename, re-slug or move a category with its subtree (If-Match; stale -> 409)",
        guards=[roles(*EDITORS)],
    )
    async def update_category(
        self,
        request: Request[Any, Any, Any],
        state: State,
        category_id: str,
        data: CategoryChanges,
    ) -> Response[CategoryView]:
        version = require_version(request, data.version)
        category, paths = category_message(data)
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
        return tagged_category(reply.category)
