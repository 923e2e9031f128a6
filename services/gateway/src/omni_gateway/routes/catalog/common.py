"""What the catalog routes share: calls whose refusals name the HTTP field, body parsing,
versions as ETags, browse requests and availability from inventory."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import ClientException
from litestar.params import Parameter, QueryParameter

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.context import SALES_CHANNELS
from omni_gateway.problems import HTTP_FOR_GRPC
from omni_gateway.resources import INT64_MAX, as_json
from omni_gateway.security.principals import Channel
from omni_kit.errors import error_details
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.catalog")

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
FIELD_PREFIXES = ("product.", "listing.", "category.")
RENAMED = {"expected_version": "If-Match", "product.id": "product_id", "category.id": "category_id"}
AVAILABILITY = {
    inventory_pb2.AVAILABILITY_STATUS_IN_STOCK: "in_stock",
    inventory_pb2.AVAILABILITY_STATUS_LOW_STOCK: "low_stock",
    inventory_pb2.AVAILABILITY_STATUS_OUT_OF_STOCK: "out_of_stock",
}


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
    fields = message_type.DESCRIPTOR
    for key in data:
        if key not in fields.fields_by_name and key not in fields.fields_by_camelcase_name:
            raise invalid(str(key), f"unknown field {key!r}")
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


def tagged(resource: Any) -> Response[dict[str, Any]]:
    """A versioned resource with its version as the ETag."""
    return Response(as_json(resource), headers=etag(resource.version))


def partial(
    request: Request[Any, Any, Any], data: Any, message_type: type[Message]
) -> tuple[Any, list[str], int]:
    """A PATCH: the changes, the fields the body names (its update mask) and the version read."""
    version = require_version(request, data if isinstance(data, dict) else None)
    changes = parse(without_version(data), message_type)
    return changes, mask_paths(data, message_type), version


def without_version(data: Any) -> Any:
    return {k: v for k, v in data.items() if k != "version"} if isinstance(data, dict) else data


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
        # Availability enriches the answer: browsing goes on without it whatever inventory says
        # (down, slow, UNIMPLEMENTED in an older version, or failing).
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
