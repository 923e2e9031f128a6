"""Catalog routes: browse and search for frontends (published listings of the caller's channel,
with availability from inventory), product and listing administration for staff (versions as
ETags), and the product feed for marketplace partners (JSON lines or CSV)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

import grpc
from google.protobuf import json_format
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException
from litestar.params import Parameter
from litestar.response import Stream

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.context import CHANNEL_HEADER, SALES_CHANNELS
from omni_gateway.idempotency import HEADER as IDEMPOTENCY_HEADER
from omni_gateway.idempotency import idempotent
from omni_gateway.problems import HTTP_FOR_GRPC
from omni_gateway.resources import as_json
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal, StaffRole
from omni_kit.errors import error_details
from omni_kit.logs import get_logger
from omni_kit.protos import to_timestamp

log = get_logger("omni.gateway.catalog")

# No catalog-specific staff role exists yet: product content and prices are the admins' job.
EDITORS = (StaffRole.ADMIN,)
SORTS = {
    "relevance": catalog_pb2.PRODUCT_SORT_UNSPECIFIED,
    "name_asc": catalog_pb2.PRODUCT_SORT_NAME_ASC,
    "name_desc": catalog_pb2.PRODUCT_SORT_NAME_DESC,
    "price_asc": catalog_pb2.PRODUCT_SORT_PRICE_ASC,
    "price_desc": catalog_pb2.PRODUCT_SORT_PRICE_DESC,
    "newest": catalog_pb2.PRODUCT_SORT_NEWEST,
    "recently_updated": catalog_pb2.PRODUCT_SORT_RECENTLY_UPDATED,
}
Sort = Literal[
    "relevance", "name_asc", "name_desc", "price_asc", "price_desc", "newest", "recently_updated"
]
PageSize = Annotated[int, Parameter(ge=1, le=200)]
Token = Annotated[str | None, Parameter(max_length=2000)]
Text = Annotated[str | None, Parameter(max_length=200)]
Attrs = Annotated[list[str] | None, Parameter(query="attr", max_items=20)]
Amount = Annotated[int | None, Parameter(ge=0)]
Currency = Annotated[str | None, Parameter(max_length=3)]
# Fields the catalog names in its errors, as an HTTP caller knows them.
FIELD_PREFIXES = ("product.", "listing.", "category.")
RENAMED = {"expected_version": "If-Match", "product.id": "product_id", "category.id": "category_id"}
AVAILABILITY = {
    inventory_pb2.AVAILABILITY_STATUS_IN_STOCK: "in_stock",
    inventory_pb2.AVAILABILITY_STATUS_LOW_STOCK: "low_stock",
    inventory_pb2.AVAILABILITY_STATUS_OUT_OF_STOCK: "out_of_stock",
}
FEED_COLUMNS = (
    "product_id",
    "sku",
    "slug",
    "name",
    "brand",
    "barcode",
    "published",
    "currency",
    "price_minor",
    "sale_price_minor",
    "sale_starts_at",
    "sale_ends_at",
    "effective_price_minor",
    "image_url",
    "listing_version",
    "updated_at",
)
NDJSON = "application/x-ndjson"
CSV = "text/csv"


async def call(
    state: State, method: Any, request: Message, *, idempotent: bool, paths: Sequence[str] = ()
) -> Any:
    """A catalog call whose refusals name the field as the HTTP caller sent it."""
    try:
        return await state.downstream.call(method, request, idempotent=idempotent)
    except grpc.aio.AioRpcError as error:
        details = error_details(error)
        status = HTTP_FOR_GRPC.get(details.code, 502)
        if status >= 500 or not details.field:
            raise
        field = _http_field(details.field, paths)
        extra: dict[str, Any] = {
            "code": details.reason,
            "errors": [{"field": field, "message": details.message}],
        }
        if details.metadata:
            extra["metadata"] = details.metadata
        raise ClientException(details.message, status_code=status, extra=extra) from None


def _http_field(field: str, paths: Sequence[str]) -> str:
    masked = re.fullmatch(r"update_mask\.paths\[(\d+)\]", field)
    if masked and int(masked.group(1)) < len(paths):
        return paths[int(masked.group(1))]
    if field in RENAMED:
        return RENAMED[field]
    for prefix in FIELD_PREFIXES:
        if field.startswith(prefix):
            return field[len(prefix) :]
    return field


def invalid(field: str, message: str) -> ClientException:
    return ClientException(
        message, status_code=422, extra={"errors": [{"field": field, "message": message}]}
    )


def channel_ref(channel: Channel, partner_id: str = "") -> common_pb2.ChannelRef:
    return common_pb2.ChannelRef(channel=SALES_CHANNELS[channel], partner_id=partner_id)


def path_channel(channel: str, partner_id: str | None) -> common_pb2.ChannelRef:
    try:
        return channel_ref(Channel(channel), partner_id or "")
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise invalid("channel", f"unknown channel {channel!r}; one of: {allowed}") from None


def parse(data: Any, message_type: type[Message]) -> Any:
    if not isinstance(data, dict):
        raise invalid("body", "a JSON object is required")
    try:
        return json_format.ParseDict(data, message_type())
    except (json_format.ParseError, ValueError, TypeError) as error:
        raise invalid("body", str(error)) from None


def mask_paths(data: dict[str, Any], message_type: type[Message]) -> list[str]:
    """The top-level fields a PATCH body names (JSON or proto spelling), as mask paths."""
    fields = message_type.DESCRIPTOR
    named = [fields.fields_by_name.get(k) or fields.fields_by_camelcase_name.get(k) for k in data]
    return [field.name for field in named if field is not None and field.name != "version"]


def expected_version(request: Request[Any, Any, Any], data: dict[str, Any] | None = None) -> int:
    """The version the caller read: If-Match (the ETag) or a `version` in the body."""
    header = request.headers.get("If-Match")
    if header is not None:
        match = re.fullmatch(r'(?:W/)?"(\d{1,18})"', header.strip())
        if not match:
            raise invalid("If-Match", 'send the ETag you read, e.g. "3"')
        return int(match.group(1))
    version = (data or {}).get("version")
    if isinstance(version, int | str) and str(version).isdigit():
        return int(version)
    return 0


def require_version(request: Request[Any, Any, Any], data: dict[str, Any] | None = None) -> int:
    version = expected_version(request, data)
    if not version:
        raise invalid("If-Match", "send If-Match with the ETag you read (or a version)")
    return version


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def browse_request(
    channel: common_pb2.ChannelRef | None,
    *,
    q: str | None,
    category: str | None,
    subcategories: bool,
    attr: list[str] | None,
    min_price: int | None,
    max_price: int | None,
    currency: str | None,
    sort: str,
    page_size: int,
    page_token: str | None,
) -> catalog_pb2.ListProductsRequest:
    request = catalog_pb2.ListProductsRequest(
        page_size=page_size,
        page_token=page_token or "",
        category_id=category or "",
        include_subcategories=subcategories,
        query=q or "",
        sort=SORTS[sort],
    )
    if channel is not None:
        request.channel.CopyFrom(channel)
    for index, item in enumerate(attr or []):
        key, sep, value = item.partition(":")
        if not sep:
            raise invalid(f"attr[{index}]", "use attr=name:value, e.g. attr=colour:blue")
        request.attribute_filters.add(key=key, values=[value])
    for name, amount in (("min_price", min_price), ("max_price", max_price)):
        if amount is not None:
            if not currency:
                raise invalid("currency", "a price bound needs its currency, e.g. currency=EUR")
            getattr(request, name).CopyFrom(
                common_pb2.Money(amount_minor=amount, currency_code=currency)
            )
    return request


async def availability(
    state: State, skus: list[str], channel: common_pb2.ChannelRef
) -> dict[str, dict[str, Any]] | None:
    """Per SKU: in stock / low / out, and when inbound stock is expected. None when inventory
    cannot say (the catalog keeps serving without it)."""
    if not skus:
        return {}
    try:
        reply = await state.downstream.call(
            state.downstream.inventory.GetAvailableToPromise,
            inventory_pb2.GetAvailableToPromiseRequest(skus=skus, channel=channel),
            idempotent=True,
        )
    except grpc.aio.AioRpcError as error:
        # Availability enriches the answer; browsing goes on without it whatever inventory says.
        # (Until inventory implements the call, the kit reports INTERNAL, not UNIMPLEMENTED.)
        log.warning("availability_unknown", code=error.code().name)
        return None
    return {
        item.sku: {
            "status": AVAILABILITY.get(item.status, "out_of_stock"),
            "expected_at": item.next_inbound_at.ToJsonString()
            if item.HasField("next_inbound_at")
            else None,
        }
        for item in reply.availability
    }


def shown(
    product: catalog_pb2.Product,
    listing: catalog_pb2.ChannelListing | None,
    stock: dict[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"product": as_json(product)}
    if listing is not None:
        item["listing"] = as_json(listing)
    if stock is not None:
        item["availability"] = {v.sku: stock[v.sku] for v in product.variants if v.sku in stock}
    return item


async def shop_channel(request: Request[Any, Any, Any]) -> Channel:
    channel = await auth.frontend_channel(request)
    if channel is Channel.MARKETPLACE:
        raise invalid(CHANNEL_HEADER, "marketplaces use the partner API")
    return channel


class CatalogBrowse(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]
    dependencies = {"channel": Provide(shop_channel)}

    @get("/products", summary="Browse and search the products published on my channel")
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
    ) -> dict[str, Any]:
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
        reply = await call(state, state.downstream.catalog.ListProducts, request, idempotent=True)
        skus = [variant.sku for product in reply.products for variant in product.variants]
        stock = await availability(state, skus, ref)
        items = [shown(p, reply.listings.get(p.id), stock) for p in reply.products]
        return {"items": items, "next_page_token": reply.next_page_token or None}

    @get("/products/{product_id:str}", summary="A product with its variants, price, availability")
    async def product(self, state: State, channel: Channel, product_id: str) -> dict[str, Any]:
        ref = channel_ref(channel)
        reply = await call(
            state,
            state.downstream.catalog.GetProduct,
            catalog_pb2.GetProductRequest(product_id=product_id, channel=ref),
            idempotent=True,
        )
        skus = [variant.sku for variant in reply.product.variants]
        return shown(reply.product, reply.listing, await availability(state, skus, ref))

    @get("/categories", summary="The category tree, parents first")
    async def categories(
        self,
        state: State,
        parent_id: Text = None,
        page_size: PageSize = 200,
        page_token: Token = None,
    ) -> dict[str, Any]:
        reply = await call(
            state,
            state.downstream.catalog.ListCategories,
            catalog_pb2.ListCategoriesRequest(
                parent_id=parent_id or "", page_size=page_size, page_token=page_token or ""
            ),
            idempotent=True,
        )
        return {
            "items": [as_json(category) for category in reply.categories],
            "next_page_token": reply.next_page_token or None,
        }


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

        async def work() -> tuple[int, Any]:
            reply = await call(
                state,
                state.downstream.catalog.CreateProduct,
                catalog_pb2.CreateProductRequest(
                    product=product, request_id=request.headers.get(IDEMPOTENCY_HEADER, "")
                ),
                idempotent=IDEMPOTENCY_HEADER in request.headers,
            )
            return 201, as_json(reply.product)

        return await idempotent(request, state, principal, work)

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
        return Response(as_json(reply.product), headers=etag(reply.product.version))

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
        version = require_version(request, data if isinstance(data, dict) else None)
        product = parse(data, catalog_pb2.Product)
        paths = mask_paths(data, catalog_pb2.Product)
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
        return Response(as_json(reply.product), headers=etag(reply.product.version))

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
        listing = parse(_without_version(data), catalog_pb2.ChannelListing)
        listing.product_id = product_id
        listing.channel.CopyFrom(path_channel(channel, partner_id))
        reply = await call(
            state,
            state.downstream.catalog.UpsertChannelListing,
            catalog_pb2.UpsertChannelListingRequest(listing=listing, expected_version=version),
            idempotent=False,
        )
        return Response(as_json(reply.listing), headers=etag(reply.listing.version))

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
        version = require_version(request, data if isinstance(data, dict) else None)
        listing = parse(_without_version(data), catalog_pb2.ChannelListing)
        paths = mask_paths(data, catalog_pb2.ChannelListing)
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
        return Response(as_json(reply.listing), headers=etag(reply.listing.version))

    @post("/categories", summary="Create a category (catalog editors)", status_code=201)
    async def create_category(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, data: Any
    ) -> Response[Any]:
        auth.require_roles(principal, *EDITORS)
        category = parse(data, catalog_pb2.Category)

        async def work() -> tuple[int, Any]:
            reply = await call(
                state,
                state.downstream.catalog.CreateCategory,
                catalog_pb2.CreateCategoryRequest(category=category),
                idempotent=False,
            )
            return 201, as_json(reply.category)

        return await idempotent(request, state, principal, work)


def _without_version(data: Any) -> Any:
    return {k: v for k, v in data.items() if k != "version"} if isinstance(data, dict) else data


class CatalogFeed(Controller):
    path = "/partner/v1/catalog"
    tags = ["partner catalog"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @get(
        "/feed",
        summary="My marketplace listings as JSON lines or CSV (Accept or format), oldest change "
        "first; X-Next-Page-Token continues, stream=true sends every page",
    )
    async def feed(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        format: Literal["jsonl", "csv"] | None = None,
        updated_since: datetime | None = None,
        include_unpublished: bool = False,
        page_size: PageSize = 200,
        page_token: Token = None,
        stream: bool = False,
    ) -> Stream:
        auth.require_scope(principal, "catalog:read")
        as_csv = format == "csv" or (format is None and CSV in request.headers.get("Accept", ""))
        feed = catalog_pb2.ListProductFeedRequest(
            channel=channel_ref(Channel.MARKETPLACE, principal.partner_id),
            page_size=page_size,
            page_token=page_token or "",
            include_unpublished=include_unpublished,
        )
        if updated_since is not None:
            if updated_since.tzinfo is None:
                raise invalid("updated_since", "give a time zone, e.g. 2026-01-01T00:00:00Z")
            feed.updated_since.CopyFrom(to_timestamp(updated_since))
        first = await call(state, state.downstream.catalog.ListProductFeed, feed, idempotent=True)
        headers = {}
        if first.next_page_token and not stream:
            headers["X-Next-Page-Token"] = first.next_page_token

        async def lines() -> AsyncIterator[str]:
            if as_csv:
                yield _csv_line(FEED_COLUMNS)
            reply = first
            while True:
                for item in reply.items:
                    for row in _feed_rows(item):
                        yield _csv_line(row.values()) if as_csv else _json_line(row)
                if not (stream and reply.next_page_token):
                    return
                feed.page_token = reply.next_page_token
                reply = await call(
                    state, state.downstream.catalog.ListProductFeed, feed, idempotent=True
                )

        return Stream(lines(), media_type=CSV if as_csv else NDJSON, headers=headers)


def _feed_rows(item: catalog_pb2.FeedItem) -> list[dict[str, Any]]:
    """One row per variant SKU: what a marketplace needs to list and price it."""
    product, listing = item.product, item.listing
    texts = product.texts
    name = texts[product.default_language].name if product.default_language in texts else ""
    sale = listing.HasField("sale_price")
    rows = []
    for variant in product.variants:
        media = list(variant.media) or list(product.media)
        rows.append(
            {
                "product_id": product.id,
                "sku": variant.sku,
                "slug": product.slug,
                "name": name,
                "brand": product.brand,
                "barcode": variant.barcode,
                "published": listing.published,
                "currency": listing.price.currency_code,
                "price_minor": listing.price.amount_minor,
                "sale_price_minor": listing.sale_price.amount_minor if sale else None,
                "sale_starts_at": _time(listing, "sale_starts_at"),
                "sale_ends_at": _time(listing, "sale_ends_at"),
                "effective_price_minor": listing.effective_price.amount_minor,
                "image_url": media[0].url if media else None,
                "listing_version": listing.version,
                "updated_at": max(
                    _time(listing, "updated_at") or "", _time(product, "updated_at") or ""
                ),
            }
        )
    return rows


def _time(message: Message, name: str) -> str | None:
    return getattr(message, name).ToJsonString() if message.HasField(name) else None  # type: ignore[attr-defined]


def _csv_line(values: Any) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue()


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, separators=(",", ":")) + "\n"


PUBLIC_ROUTES: list[Any] = [CatalogBrowse, CatalogAdmin]
PARTNER_ROUTES: list[Any] = [CatalogFeed]
