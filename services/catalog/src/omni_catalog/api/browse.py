"""ListProducts: browse and search, one page at a time."""

from __future__ import annotations

from grpc import aio

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.common import Catalog
from omni_catalog.domain import browse as rules
from omni_catalog.domain import paging
from omni_catalog.domain.listings import with_effective_price
from omni_catalog.store.browse import LISTING, browse
from omni_catalog.store.documents import listing_of, product_of
from omni_kit.ids import utcnow


class BrowseRpcs(Catalog):
    async def ListProducts(
        self, request: catalog_pb2.ListProductsRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListProductsResponse:
        size = paging.page_size(request.page_size)
        wanted = rules.browse(request)
        owner = paging.fingerprint("products", repr(wanted))
        cursor = None
        if request.page_token:
            cursor = paging.decode_cursor(request.page_token, len(wanted.sort), query=owner)
        category_ids = None
        if wanted.category_id:
            category = await self.categories.get(wanted.category_id)
            category_ids = [category.id]
            if wanted.include_subcategories:
                category_ids += [c.id for c in await self.categories.descendants(category.id)]
        now = utcnow()
        page = await browse(self.infra.db, wanted, category_ids, cursor, size + 1, now)
        response = catalog_pb2.ListProductsResponse()
        for document in page[:size]:
            product = response.products.add()
            product.CopyFrom(product_of(document))
            if LISTING in document:
                listing = with_effective_price(listing_of(document[LISTING]), now)
                response.listings[product.id].CopyFrom(listing)
        if len(page) > size:
            last = page[size - 1]
            values = [last[key.field] for key in wanted.sort]
            response.next_page_token = paging.encode_cursor(values, owner)
        return response
