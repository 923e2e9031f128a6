"""What the catalog and location routes of every audience share: calls whose refusals name the
field as the HTTP caller sent it, versions as ETags, browse requests, and availability from
inventory."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, TypeVar

import grpc
from google.protobuf.message import Message
from litestar import Request
from litestar.datastructures import ResponseHeader, State
from litestar.exceptions import ClientException
from litestar.params import Parameter, QueryParameter

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.problems import BAD_REQUEST_REASONS, HTTP_FOR_GRPC
from omni_gateway.views.common import INT64_MAX
from omni_gateway.views.stock import AvailabilitySummary, availability_summary
from omni_kit.errors import error_details
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.catalog")
R = TypeVar("R")

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
Attrs = Annotated[list[str] | None, QueryParameter(name="attr", max_items=20)]
Amount = Annotated[int | None, Parameter(ge=0, le=INT64_MAX)]
Currency = Annotated[str | None, Parameter(max_length=3)]
# Fields the catalog names in its errors, as an HTTP caller knows them.
FIELD_PREFIXES = (
    "product.",
    "listing.",
    "category.",
    "location.",
    "inbound.",
    "voucher.",
    "promotion.",
)
RENAMED = {
    "expected_version": "If-Match",
    "product.id": "product_id",
    "category.id": "category_id",
    "location.id": "location_id",
    "voucher.id": "voucher_id",
    "promotion.id": "promotion_id",
}


async def call(
    state: State,
    method: Callable[..., Awaitable[R]],
    request: Message,
    *,
    idempotent: bool,
    paths: Sequence[str] = (),
    fields: Mapping[str, str] | None = None,
) -> R:
    """A call whose refusals name the field as the HTTP caller sent it (`fields`: the route's
    own names for the service's fields)."""
    try:
        return await state.downstream.call(method, request, idempotent=idempotent)
    except grpc.aio.AioRpcError as error:
        details = error_details(error)
        status = HTTP_FOR_GRPC.get(details.code, 502)
        if details.reason in BAD_REQUEST_REASONS and status < 500:
            status = 400
        if status >= 500 or not details.field:
            raise
        field = (fields or {}).get(details.field) or _http_field(details.field, paths)
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
            field = field[len(prefix) :]
            break
    # Money is {amount_minor, currency} over HTTP.
    return re.sub(r"\bcurrency_code\b", "currency", field)


def invalid(field: str, message: str) -> ClientException:
    return ClientException(
        message, status_code=422, extra={"errors": [{"field": field, "message": message}]}
    )


def expected_version(request: Request[Any, Any, Any], body_version: object = None) -> int:
    """The version the caller read: If-Match (the ETag) or the body's `version`; 0 for none."""
    header = request.headers.get("If-Match")
    if header is not None:
        match = re.fullmatch(r'(?:W/)?"(\d{1,18})"', header.strip())
        if not match:
            raise invalid("If-Match", 'send the ETag you read, e.g. "3"')
        return int(match.group(1))
    return body_version if isinstance(body_version, int) else 0


def require_version(request: Request[Any, Any, Any], body_version: object = None) -> int:
    version = expected_version(request, body_version)
    if not version:
        raise invalid("If-Match", "send If-Match with the ETag you read (or a version)")
    return version


# A versioned resource's answer documents its ETag (the route sets it with `etag`).
ETAG_HEADER = [
    ResponseHeader(
        name="ETag",
        value='"1"',
        description="The version, to send back as If-Match",
        documentation_only=True,
    )
]


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def browse_request(
    channel: common_pb2.ChannelRef | None,
    *,
    q: str | None,
    category: str | None,
    subcategories: bool,
    attr: list[str] | None,
    sort: str,
    page_size: int,
    page_token: str | None,
    min_price: int | None = None,
    max_price: int | None = None,
    currency: str | None = None,
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
) -> dict[str, AvailabilitySummary] | None:
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
        # Availability enriches the answer: browsing goes on without it whatever inventory says
        # (down, slow, UNIMPLEMENTED in an older version, or failing).
        log.warning("availability_unknown", code=error.code().name)
        return None
    return {item.sku: availability_summary(item) for item in reply.availability}
