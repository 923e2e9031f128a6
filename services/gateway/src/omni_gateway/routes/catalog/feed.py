"""The marketplace product feed: the partner's listings as JSON lines or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from google.protobuf.message import Message
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Stream

from omni.catalog.v1 import catalog_pb2
from omni_gateway.routes.catalog.common import (
    PageSize,
    Token,
    call,
    channel_ref,
    invalid,
)
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_kit.protos import to_timestamp

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
                    listing.updated_at, product.updated_at, key=lambda t: t.ToNanoseconds()
                ).ToJsonString(),
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
