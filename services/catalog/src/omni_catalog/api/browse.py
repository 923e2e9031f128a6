"""ListProducts: browse and search, one page at a time, from the browse read model."""

from __future__ import annotations

import json
from dataclasses import replace

from grpc import aio

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.common import Catalog
from omni_catalog.api.messages import (
    discounts_from,
    facets_message,
    listing_from,
    listing_message,
    wanted_from,
)
from omni_catalog.domain import browse as rules
from omni_catalog.domain import paging
from omni_catalog.ports import SearchRequest
from omni_catalog.store.browse import Budget
from omni_catalog.store.browse_query import BrowseQuery, Page
from omni_kit.errors import InvalidArgument
from omni_kit.ids import utcnow
from omni_kit.paging import MAX_PAGE_SIZE


class BrowseRpcs(Catalog):
    async def ListProducts(
        self, request: catalog_pb2.ListProductsRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListProductsResponse:
        if request.page_size > MAX_PAGE_SIZE:
            raise InvalidArgument(
                f"page_size must be at most {MAX_PAGE_SIZE} (got {request.page_size})",
                field="page_size",
            )
        size = paging.page_size(request.page_size)
        wanted = rules.browse(wanted_from(request))
        owner = paging.fingerprint("products", repr(replace(wanted, include_facets=False)))
        cursor = _cursor(request.page_token, owner, "s" if wanted.searching else "k")
        category = None
        if wanted.category_id:
            category = await self.categories.get(wanted.category_id)
        finder = BrowseQuery(self.readmodel.browse)
        corrected = ""
        if wanted.searching:
            found = await self.readmodel.search.search(
                SearchRequest(wanted, category, cursor, size)
            )
            documents = await finder.shown(found.product_ids, wanted.channel_key)
            page = Page(documents, found.next_cursor, found.facets)
            corrected = found.corrected_query
        else:
            plan = await finder.plan(wanted, category)
            page = await finder.page(plan, cursor[1] if cursor else None, size, Budget())
            if wanted.include_facets:
                page.facets = await finder.list_facets(plan)
        return _response(page, owner, corrected)


def _cursor(token: str, owner: str, mode: str) -> list[str] | None:
    """The position a page token holds: ["k", sort value] for lists, ["s", key, name] for
    searches."""
    values = paging.decode_cursor(token, 1, query=owner, kinds=(str,))
    if values is None:
        return None
    width = 2 if mode == "k" else 3
    try:
        position = json.loads(str(values[0]))
    except ValueError:
        position = None
    if (
        not isinstance(position, list)
        or len(position) != width
        or position[0] != mode
        or not all(isinstance(part, str) for part in position)
    ):
        raise InvalidArgument(
            "page_token is not a token this list returned",
            reason="INVALID_PAGE_TOKEN",
            field="page_token",
        )
    return position


def _response(page: Page, owner: str, corrected: str) -> catalog_pb2.ListProductsResponse:
    now = utcnow()
    response = catalog_pb2.ListProductsResponse(corrected_query=corrected)
    for document in page.documents:
        product = response.products.add()
        product.ParseFromString(document["product"])
        if "listing" in document:
            stored = catalog_pb2.ChannelListing.FromString(document["listing"])
            listing = replace(listing_from(stored), discounts=discounts_from(stored))
            response.listings[product.id].CopyFrom(listing_message(listing, now))
    if page.next_cursor is not None:
        position = json.dumps(page.next_cursor, separators=(",", ":"), ensure_ascii=False)
        response.next_page_token = paging.encode_cursor([position], owner)
    if page.facets is not None:
        response.facets.CopyFrom(facets_message(page.facets))
    return response
