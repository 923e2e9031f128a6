"""Browse and search for frontends: published listings of the caller's channel.

The answers are the same for every caller on a channel, so they are shared (`Microcache`, which
keeps the views themselves), and catalog and stock events mark the ones they touch stale
(`browse_freshness`); the cart and the order check price and stock live.

Everything a browse caller sends is in the query string, so a refused parameter (a query too
long, a page size out of range, a page token this API did not make) is a 400 naming it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, ValidationException

from omni.catalog.v1 import catalog_pb2
from omni_gateway.browse_freshness import list_tags, product_tags
from omni_gateway.catalog_calls import (
    Amount,
    Attrs,
    Currency,
    PageSize,
    Sort,
    Text,
    Token,
    availability,
    browse_request,
    call,
    invalid,
)
from omni_gateway.context import CHANNEL_HEADER, channel_ref
from omni_gateway.openapi import Follow, links
from omni_gateway.problems import http_error_handler, validation_error_handler
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel
from omni_gateway.views.product import (
    BrowseItem,
    CategoryPage,
    ProductPage,
    browse_item,
    category_view,
    facets_view,
)


async def shop_channel(request: Request[Any, Any, Any]) -> Channel:
    channel = await auth.frontend_channel(request)
    if channel is Channel.MARKETPLACE:
        raise invalid(CHANNEL_HEADER, "marketplaces use the partner API")
    return channel


PARAMETERS = frozenset(
    {
        "q",
        "category",
        "subcategories",
        "attr",
        "min_price",
        "max_price",
        "currency",
        "sort",
        "page_size",
        "page_token",
        "facets",
        "parent_id",
    }
)
FIRST_ITEM = "$response.body#/items/0/product"


def bad_parameter(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A refused query parameter: 400, naming it (a channel header or a body keeps its own)."""
    if isinstance(error, ValidationException):
        response = validation_error_handler(request, error)
    else:
        assert isinstance(error, ClientException)
        response = http_error_handler(request, error)
    fields = [str(item.get("field")).split("[")[0] for item in response.content.get("errors") or []]
    if response.status_code == 422 and fields and all(f in PARAMETERS for f in fields):
        response.status_code = 400
        response.content["status"] = 400
        response.content["title"] = "Bad request"
    return response


class CatalogBrowse(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]
    dependencies = {"channel": Provide(shop_channel)}
    exception_handlers = {ValidationException: bad_parameter, ClientException: bad_parameter}

    @get(
        "/products",
        summary="Browse and search the products published on my channel",
        opt=links(
            200,
            {
                "GetProduct": Follow(
                    "GET /api/v1/catalog/products/{product_id}", {"product_id": f"{FIRST_ITEM}/id"}
                ),
                "Availability": Follow(
                    "GET /api/v1/availability/{sku}", {"sku": f"{FIRST_ITEM}/variants/0/sku"}
                ),
            },
        ),
    )
    async def products(
        self,
        state: State,
        channel: Channel,
        q: Text = None,
        category: Text = None,
        subcategories: bool = True,
        attr: Attrs = None,
        min_price: Amount = None,
        max_price: Amount = None,
        currency: Currency = None,
        sort: Sort = "relevance",
        page_size: PageSize = 24,
        page_token: Token = None,
        facets: bool = False,
    ) -> ProductPage:
        key: tuple[object, ...] = ("products", channel, q, category, subcategories)
        key += (tuple(attr or ()), min_price, max_price, currency, sort, page_size, page_token)
        key += (facets,)

        async def load() -> ProductPage:
            ref = channel_ref(channel)
            request = browse_request(
                ref,
                q=q,
                category=category,
                subcategories=subcategories,
                attr=attr,
                min_price=min_price,
                max_price=max_price,
                currency=currency,
                sort=sort,
                page_size=page_size,
                page_token=page_token,
            )
            request.include_facets = facets
            reply = await call(
                state, state.downstream.catalog.ListProducts, request, idempotent=True
            )
            skus = [variant.sku for product in reply.products for variant in product.variants]
            stock = await availability(state, skus, ref)
            return ProductPage(
                items=[browse_item(p, reply.listings.get(p.id), stock) for p in reply.products],
                next_page_token=reply.next_page_token or None,
                corrected_query=reply.corrected_query or None,
                facets=facets_view(reply.facets) if facets else None,
            )

        page: ProductPage = await state.browse_cache.get(key, load, list_tags)
        return page

    @get("/products/{product_id:str}", summary="A product with its variants, price, availability")
    async def product(self, state: State, channel: Channel, product_id: str) -> BrowseItem:
        async def load() -> BrowseItem:
            ref = channel_ref(channel)
            reply = await call(
                state,
                state.downstream.catalog.GetProduct,
                catalog_pb2.GetProductRequest(product_id=product_id, channel=ref),
                idempotent=True,
            )
            skus = [variant.sku for variant in reply.product.variants]
            return browse_item(reply.product, reply.listing, await availability(state, skus, ref))

        key = ("product", channel, product_id)
        item: BrowseItem = await state.browse_cache.get(key, load, product_tags)
        return item

    @get("/categories", summary="The category tree, parents first")
    async def categories(
        self,
        state: State,
        parent_id: Text = None,
        page_size: PageSize = 200,
        page_token: Token = None,
    ) -> CategoryPage:
        async def load() -> CategoryPage:
            reply = await call(
                state,
                state.downstream.catalog.ListCategories,
                catalog_pb2.ListCategoriesRequest(
                    parent_id=parent_id or "", page_size=page_size, page_token=page_token or ""
                ),
                idempotent=True,
            )
            return CategoryPage(
                items=[category_view(category) for category in reply.categories],
                next_page_token=reply.next_page_token or None,
            )

        key = ("categories", parent_id, page_size, page_token)
        page: CategoryPage = await state.browse_cache.get(key, load)
        return page
