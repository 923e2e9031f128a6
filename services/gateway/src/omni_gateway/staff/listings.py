"""A product's listings for staff: whether and at what price each channel sells it. Every staff
role reads, catalog editors change; each listing's version comes back as If-Match (or `version`)."""

from __future__ import annotations

from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, Request, Response, get, patch, put
from litestar.datastructures import State
from litestar.di import Provide

from omni.catalog.v1 import catalog_pb2
from omni_gateway.catalog_calls import (
    ETAG_HEADER,
    Text,
    call,
    etag,
    expected_version,
    require_version,
)
from omni_gateway.context import channel_ref
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.staff.catalog import EDITORS
from omni_gateway.views.product import (
    ListingList,
    StaffListingView,
    staff_listing_view,
)
from omni_gateway.views.product_requests import (
    ListingChanges,
    NewListing,
    listing_message,
)


def tagged_listing(listing: catalog_pb2.ChannelListing) -> Response[StaffListingView]:
    return Response(staff_listing_view(listing), headers=etag(listing.version))


async def product_listings(state: State, product_id: str) -> ListingList:
    reply = await call(
        state,
        state.downstream.catalog.ListChannelListings,
        catalog_pb2.ListChannelListingsRequest(product_id=product_id, page_size=200),
        idempotent=True,
    )
    return ListingList(items=[staff_listing_view(listing) for listing in reply.listings])


async def change_listing(
    state: State,
    product_id: str,
    channel: Channel,
    partner_id: str,
    data: ListingChanges,
    version: int,
) -> catalog_pb2.ChannelListing:
    """A listing's price, prices, sale or published flag, at its `version` (stale: 409)."""
    listing, paths = listing_message(data)
    listing.product_id = product_id
    listing.channel.CopyFrom(channel_ref(channel, partner_id=partner_id))
    reply = await call(
        state,
        state.downstream.catalog.UpdateChannelListing,
        catalog_pb2.UpdateChannelListingRequest(
            listing=listing, update_mask=FieldMask(paths=paths), expected_version=version
        ),
        idempotent=True,
        paths=paths,
    )
    return reply.listing


class ListingAdmin(Controller):
    path = "/staff/v1/catalog/products/{product_id:str}/listings"
    tags = ["catalog admin"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/", summary="A product's listings on every channel")
    async def listings(self, state: State, principal: Principal, product_id: str) -> ListingList:
        return await product_listings(state, product_id)

    @put(
        "/{channel:str}",
        response_headers=ETAG_HEADER,
        summary="Create (no If-Match) or replace (If-Match) a product's listing on a channel",
        guards=[roles(*EDITORS)],
    )
    async def put_listing(
        self,
        request: Request[Any, Any, Any],
        state: State,
        product_id: str,
        channel: Channel,
        data: NewListing,
        partner_id: Text = None,
    ) -> Response[StaffListingView]:
        version = expected_version(request, data.version)
        listing, _ = listing_message(data)
        listing.product_id = product_id
        listing.channel.CopyFrom(channel_ref(channel, partner_id=partner_id or ""))
        reply = await call(
            state,
            state.downstream.catalog.UpsertChannelListing,
            catalog_pb2.UpsertChannelListingRequest(listing=listing, expected_version=version),
            idempotent=False,
        )
        return tagged_listing(reply.listing)

    @patch(
        "/{channel:str}",
        response_headers=ETAG_HEADER,
        summary="Change a listing's price, sale or published flag (If-Match; stale -> 409)",
        guards=[roles(*EDITORS)],
    )
    async def patch_listing(
        self,
        request: Request[Any, Any, Any],
        state: State,
        product_id: str,
        channel: Channel,
        data: ListingChanges,
        partner_id: Text = None,
    ) -> Response[StaffListingView]:
        version = require_version(request, data.version)
        changed = await change_listing(state, product_id, channel, partner_id or "", data, version)
        return tagged_listing(changed)
