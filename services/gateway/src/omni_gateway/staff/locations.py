"""Stores and warehouses: admins open, change and close them; store staff read their own, and
consultants and admins every one. A location's version travels as its ETag; a change sends it
back as If-Match. Closing is `status: closed`, never a delete."""

from __future__ import annotations

from typing import Annotated, Any

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from omni.inventory.v1 import inventory_pb2
from omni_gateway.catalog_calls import ETAG_HEADER, call, etag, invalid, require_version
from omni_gateway.openapi import ETAG, Follow, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles, store_in_path
from omni_gateway.security.principals import STORE_ROLES, Principal, StaffRole
from omni_gateway.views.location import (
    LOCATION_KIND,
    LocationKind,
    LocationPage,
    LocationView,
    location_view,
)
from omni_gateway.views.location_requests import LocationChanges, NewLocation, location_message

PageSize = Annotated[int, Parameter(ge=1, le=200)]
PageToken = Annotated[str, Parameter(max_length=500)]
City = Annotated[str, Parameter(max_length=100)]
LOCATION = {"location_id": "$response.body#/id"}
LOCATION_LINKS = {
    "Location": Follow("GET /staff/v1/locations/{location_id}", LOCATION),
    "ChangeLocation": Follow(
        "PATCH /staff/v1/locations/{location_id}", {**LOCATION, "header.If-Match": ETAG}
    ),
}


def tagged(location: inventory_pb2.StockLocation, status_code: int = 200) -> Response[LocationView]:
    return Response(
        location_view(location), status_code=status_code, headers=etag(location.version)
    )


async def location_page(
    state: State,
    principal: Principal,
    kind: LocationKind | None = None,
    city: str = "",
    include_closed: bool = False,
    page_size: int = 50,
    page_token: str = "",
) -> LocationPage:
    """Stores and warehouses by code; store staff see only their own."""
    request = inventory_pb2.ListStockLocationsRequest(
        kind=LOCATION_KIND.number(kind) if kind else inventory_pb2.LOCATION_KIND_UNSPECIFIED,
        city=city,
        include_inactive=include_closed,
        page_size=page_size,
        page_token=page_token,
    )
    if principal.role in STORE_ROLES:
        if not principal.store_ids:
            return LocationPage(locations=[], next_page_token=None)
        request.location_ids.extend(sorted(principal.store_ids))
    reply = await call(
        state, state.downstream.inventory.ListStockLocations, request, idempotent=True
    )
    return LocationPage(
        locations=[location_view(location) for location in reply.locations],
        next_page_token=reply.next_page_token or None,
    )


async def create_location(state: State, data: NewLocation) -> inventory_pb2.StockLocation:
    location, _ = location_message(data)
    reply = await call(
        state,
        state.downstream.inventory.CreateStockLocation,
        inventory_pb2.CreateStockLocationRequest(location=location),
        idempotent=False,
    )
    return reply.location


async def read_location(state: State, location_id: str) -> inventory_pb2.StockLocation:
    reply = await call(
        state,
        state.downstream.inventory.GetStockLocation,
        inventory_pb2.GetStockLocationRequest(location_id=location_id),
        idempotent=True,
    )
    return reply.location


async def change_location(
    state: State, location_id: str, data: LocationChanges, version: int
) -> inventory_pb2.StockLocation:
    """The fields the body names, if the location is still at `version` (else ABORTED)."""
    location, paths = location_message(data)
    if not paths:
        raise invalid("body", "name at least one field to change")
    location.id = location_id
    reply = await call(
        state,
        state.downstream.inventory.UpdateStockLocation,
        inventory_pb2.UpdateStockLocationRequest(
            location=location, update_mask=FieldMask(paths=paths), expected_version=version
        ),
        idempotent=True,
        paths=paths,
    )
    return reply.location


class StaffLocations(Controller):
    path = "/staff/v1/locations"
    tags = ["locations (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @post(
        "/",
        summary="Open a store or warehouse (admin); its version as ETag",
        status_code=201,
        response_headers=ETAG_HEADER,
        guards=[roles(StaffRole.ADMIN)],
        opt=links(201, LOCATION_LINKS),
    )
    async def create(self, state: State, data: NewLocation) -> Response[LocationView]:
        return tagged(await create_location(state, data), 201)

    @get("/", summary="Stores and warehouses by code (store staff: their own)")
    async def list_locations(
        self,
        state: State,
        principal: Principal,
        kind: LocationKind | None = None,
        city: City = "",
        include_closed: bool = False,
        page_size: PageSize = 50,
        page_token: PageToken = "",
    ) -> LocationPage:
        return await location_page(
            state, principal, kind, city, include_closed, page_size, page_token
        )

    @get(
        "/{location_id:str}",
        summary="A store or warehouse (its staff, consultants, admins); its version as ETag",
        response_headers=ETAG_HEADER,
        guards=[store_in_path("location_id")],
        opt=links(200, {"ChangeLocation": LOCATION_LINKS["ChangeLocation"]}),
    )
    async def read(self, state: State, location_id: str) -> Response[LocationView]:
        return tagged(await read_location(state, location_id))

    @patch(
        "/{location_id:str}",
        summary="Change, close (status: closed) or reopen a location (admin; If-Match)",
        response_headers=ETAG_HEADER,
        guards=[roles(StaffRole.ADMIN)],
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        state: State,
        location_id: str,
        data: LocationChanges,
    ) -> Response[LocationView]:
        version = require_version(request, data.version)
        return tagged(await change_location(state, location_id, data, version))
