"""What marketplace partners pull: their listings as a product feed (JSON lines or CSV) and their
share of the stock."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Stream

from omni.catalog.v1 import catalog_pb2
from omni.inventory.v1 import inventory_pb2
from omni_gateway.catalog_calls import PageSize, Token, call, invalid
from omni_gateway.context import channel_ref
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import scope
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.views.product import FeedRow, feed_rows
from omni_gateway.views.stock import StockFeedPage, stock_feed_page
from omni_kit.protos import to_timestamp

FEED_COLUMNS = FeedRow.__struct_fields__
NDJSON = "application/x-ndjson"
CSV = "text/csv"
StockPageToken = Annotated[str, Parameter(max_length=500)]


class CatalogFeed(Controller):
    path = "/partner/v1/catalog"
    tags = ["partner catalog"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @get(
        "/feed",
        summary="My marketplace listings as JSON lines or CSV (Accept or format), oldest change "
        "first; X-Next-Page-Token continues, stream=true sends every page",
        guards=[scope("catalog:read")],
        responses={
            200: ResponseSpec(
                data_container=FeedRow,
                generate_examples=False,
                media_type=NDJSON,
                description="One FeedRow per line; as CSV (text/csv), a header of the FeedRow "
                "fields, then one row per SKU",
            )
        },
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
        as_csv = format == "csv" or (format is None and CSV in request.headers.get("Accept", ""))
        feed = catalog_pb2.ListProductFeedRequest(
            channel=channel_ref(Channel.MARKETPLACE, partner_id=principal.partner_id),
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

        async def lines() -> AsyncIterator[bytes]:
            if as_csv:
                yield csv_line(FEED_COLUMNS)
            reply = first
            while True:
                for item in reply.items:
                    for row in feed_rows(item):
                        yield csv_row(row) if as_csv else msgspec.json.encode(row) + b"\n"
                if not (stream and reply.next_page_token):
                    return
                feed.page_token = reply.next_page_token
                reply = await call(
                    state, state.downstream.catalog.ListProductFeed, feed, idempotent=True
                )

        return Stream(lines(), media_type=CSV if as_csv else NDJSON, headers=headers)


class PartnerStockFeed(Controller):
    path = "/partner/v1/inventory"
    tags = ["inventory (partner)"]
    dependencies = {"principal": Provide(auth.partner)}
    security = [{"apiKey": []}]

    @get(
        "/feed",
        summary="My channel's stock share per SKU, changed since a time",
        guards=[scope("inventory:read")],
    )
    async def feed(
        self,
        state: State,
        principal: Principal,
        updated_since: datetime | None = None,
        page_size: PageSize = 50,
        page_token: StockPageToken = "",
    ) -> StockFeedPage:
        request = inventory_pb2.ListStockFeedRequest(
            channel=channel_ref(Channel.MARKETPLACE, partner_id=principal.partner_id),
            page_size=page_size,
            page_token=page_token,
        )
        if updated_since is not None:
            request.updated_since.CopyFrom(to_timestamp(updated_since))
        reply = await state.downstream.call(
            state.downstream.inventory.ListStockFeed, request, idempotent=True
        )
        return stock_feed_page(reply)


def csv_row(row: msgspec.Struct) -> bytes:
    """A feed or export row as CSV: times in RFC 3339, flags as true/false, nothing as an empty
    cell."""
    values = msgspec.to_builtins(msgspec.structs.astuple(row))
    return csv_line(str(v).lower() if isinstance(v, bool) else v for v in values)


def csv_line(values: Iterable[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue().encode()
