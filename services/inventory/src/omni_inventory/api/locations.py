"""Stock locations: warehouses and stores. Each change publishes LocationChanged with the
location as it is now, in the change's transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from grpc import aio
from pymongo.errors import DuplicateKeyError

from omni.inventory.v1 import events_pb2, inventory_pb2
from omni_inventory import events
from omni_inventory.api.base import Base, Work, location_message, no_checks
from omni_inventory.domain.locations import (
    city_key,
    distance_km,
    postal_closeness,
    validate_exceptions,
    validate_intervals,
    validate_new_location,
    validate_point,
    validate_time_zone,
)
from omni_inventory.domain.requests import page_size, require
from omni_inventory.store import listing
from omni_inventory.store.changes import StockChanges
from omni_kit import paging
from omni_kit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from omni_kit.facts import Event, make_event
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import to_document, to_timestamp

UPDATABLE = {
    "name",
    "address",
    "geo",
    "time_zone",
    "opening_hours",
    "opening_exceptions",
    "capabilities",
    "active",
}


class Locations(Base):
    async def CreateStockLocation(
        self, request: inventory_pb2.CreateStockLocationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.CreateStockLocationResponse:
        given = request.location
        validate_new_location(given.code, given.name, given.kind != 0, given.geo.lat, given.geo.lng)
        _validate_hours(given)
        location = inventory_pb2.StockLocation()
        location.CopyFrom(given)
        location.id = new_id("loc")
        location.active = True
        location.version = 1
        location.created_at.CopyFrom(to_timestamp(utcnow()))
        location.updated_at.CopyFrom(location.created_at)

        async def work(changes: StockChanges) -> inventory_pb2.CreateStockLocationResponse:
            try:
                await self.collections.locations.insert_one(
                    _document(location), session=changes.session
                )
            except DuplicateKeyError:
                raise AlreadyExists(
                    f"a location with code {location.code!r} already exists",
                    reason="LOCATION_CODE_TAKEN",
                    field="location.code",
                ) from None
            changes.extra_events.append(_changed(location))
            return inventory_pb2.CreateStockLocationResponse(location=location)

        try:
            return await self.write(
                context, request, inventory_pb2.CreateStockLocationResponse, no_checks(work)
            )
        finally:
            self.location_cache.forget()

    async def GetStockLocation(
        self, request: inventory_pb2.GetStockLocationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.GetStockLocationResponse:
        require(request.location_id, "location_id")
        document = await self.collections.locations.find_one({"_id": request.location_id})
        if document is None:
            raise NotFound(
                f"no location with id {request.location_id!r}",
                reason="LOCATION_NOT_FOUND",
                field="location_id",
            )
        return inventory_pb2.GetStockLocationResponse(location=location_message(document))

    async def ListStockLocations(
        self, request: inventory_pb2.ListStockLocationsRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListStockLocationsResponse:
        size = page_size(request.page_size)
        near = request.near if request.HasField("near") else None
        if near is not None and request.postal_code:
            raise InvalidArgument("give near or postal_code, not both", field="postal_code")
        where = Where(
            kind=request.kind,
            click_and_collect_only=request.click_and_collect_only,
            ships_only=request.ships_only,
            include_inactive=request.include_inactive,
            location_ids=tuple(request.location_ids),
            city=request.city,
        )
        if near is None and not request.postal_code:
            # Ordered by code: keyset pages read from the (filter, code) indexes.
            documents, token = await listing.small_page(
                self.collections.locations, where.query(), listing.CODE, size, request.page_token
            )
            return inventory_pb2.ListStockLocationsResponse(
                locations=[location_message(document) for document in documents],
                next_page_token=token,
            )
        after = paging.decode_cursor(request.page_token, 2, kinds=(float, str))
        rows = await self.nearby(near, request.radius_km, where, postal_code=request.postal_code)
        keys = [(round(distance, 6), location.id) for location, distance in rows]
        start = (
            0 if after is None else next((i for i, k in enumerate(keys) if k > after), len(keys))
        )
        page = rows[start : start + size]
        more = start + size < len(rows)
        return inventory_pb2.ListStockLocationsResponse(
            locations=[location for location, _ in page],
            next_page_token=paging.encode_cursor(keys[start + size - 1]) if more else "",
            distances_km=[round(distance, 3) for _, distance in page] if near else [],
        )

    async def nearby(
        self, near: Any, radius_km: float, where: Where, *, postal_code: str = ""
    ) -> list[tuple[inventory_pb2.StockLocation, float]]:
        """Matching locations with their distance from `near` (0 without), nearest first; with
        `postal_code`, the "distance" is minus the leading characters shared with it."""
        if radius_km < 0:
            raise InvalidArgument("radius_km must not be negative", field="radius_km")
        if near is not None:
            validate_point(near.lat, near.lng, "near")
        rows = []
        for document in filter(where.matches, await self.location_documents()):
            location = location_message(document)
            distance = 0.0
            if near is not None:
                distance = distance_km((near.lat, near.lng), (location.geo.lat, location.geo.lng))
                if radius_km and distance > radius_km:
                    continue
            elif postal_code:
                shared = postal_closeness(postal_code, location.address.postal_code)
                if not shared:
                    continue
                distance = -float(shared)
            rows.append((location, distance))
        rows.sort(key=lambda row: (row[1], row[0].code))
        return rows

    async def UpdateStockLocation(
        self, request: inventory_pb2.UpdateStockLocationRequest, context: aio.ServicerContext
    ) -> inventory_pb2.UpdateStockLocationResponse:
        given = request.location
        require(given.id, "location.id")
        paths = list(request.update_mask.paths)
        if not paths:
            raise InvalidArgument("update_mask must name the fields to change", field="update_mask")
        for path in paths:
            if path.split(".")[0] not in UPDATABLE:
                raise InvalidArgument(
                    f"{path!r} cannot be updated (allowed: {', '.join(sorted(UPDATABLE))})",
                    field="update_mask",
                )

        async def plan() -> Work[inventory_pb2.UpdateStockLocationResponse]:
            current = await self.collections.locations.find_one({"_id": given.id})
            if current is None:
                raise NotFound(
                    f"no location with id {given.id!r}",
                    reason="LOCATION_NOT_FOUND",
                    field="location.id",
                )
            location = location_message(current)
            version = location.version
            if request.expected_version and request.expected_version != version:
                raise Conflict(
                    f"location {given.id!r} is at version {version}, "
                    f"not {request.expected_version}",
                    reason="STALE_VERSION",
                    field="expected_version",
                )
            request.update_mask.MergeMessage(
                given, location, replace_message_field=True, replace_repeated_field=True
            )
            if not location.name.strip():
                raise InvalidArgument("name is required", field="location.name")
            validate_point(location.geo.lat, location.geo.lng, "location.geo")
            _validate_hours(location)
            location.version = version + 1
            location.updated_at.CopyFrom(to_timestamp(utcnow()))

            async def work(changes: StockChanges) -> inventory_pb2.UpdateStockLocationResponse:
                replaced = await self.collections.locations.replace_one(
                    {"_id": location.id, "version": version},
                    _document(location),
                    session=changes.session,
                )
                if not replaced.matched_count:
                    raise Conflict(
                        f"location {given.id!r} changed meanwhile; retry", reason="STALE_VERSION"
                    )
                changes.extra_events.append(_changed(location))
                return inventory_pb2.UpdateStockLocationResponse(location=location)

            return work

        try:
            return await self.write(
                context, request, inventory_pb2.UpdateStockLocationResponse, plan
            )
        finally:
            self.location_cache.forget()


def _validate_hours(location: inventory_pb2.StockLocation) -> None:
    validate_time_zone(location.time_zone)
    by_day: dict[int, list[tuple[int, inventory_pb2.OpeningHours]]] = defaultdict(list)
    for index, hours in enumerate(location.opening_hours):
        if not hours.weekday:
            raise InvalidArgument(
                "weekday is required", field=f"location.opening_hours[{index}].weekday"
            )
        by_day[hours.weekday].append((index, hours))
    for rows in by_day.values():
        validate_intervals((f"location.opening_hours[{index}]", hours) for index, hours in rows)
    validate_exceptions(location.opening_exceptions, "location.opening_exceptions")


@dataclass(frozen=True)
class Where:
    """Which locations a list or a promise looks at."""

    kind: inventory_pb2.LocationKind.ValueType = inventory_pb2.LOCATION_KIND_UNSPECIFIED
    click_and_collect_only: bool = False
    ships_only: bool = False
    include_inactive: bool = False
    location_ids: tuple[str, ...] = ()
    city: str = ""

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.kind:
            query["kind"] = inventory_pb2.LocationKind.Name(self.kind)
        if self.city:
            query["city_key"] = city_key(self.city)
        if self.click_and_collect_only:
            query["capabilities.click_and_collect"] = True
        if self.ships_only:
            query["capabilities.ships"] = True
        if not self.include_inactive:
            query["active"] = True
        if self.location_ids:
            query["_id"] = {"$in": list(self.location_ids)}
        return query

    def matches(self, document: dict[str, Any]) -> bool:
        """Whether `query()` would find the document."""
        capabilities = document.get("capabilities", {})
        return (
            (not self.kind or document.get("kind") == inventory_pb2.LocationKind.Name(self.kind))
            and (not self.city or document.get("city_key") == city_key(self.city))
            and (not self.click_and_collect_only or capabilities.get("click_and_collect") is True)
            and (not self.ships_only or capabilities.get("ships") is True)
            and (self.include_inactive or document.get("active") is True)
            and (not self.location_ids or document["_id"] in self.location_ids)
        )


def _changed(location: inventory_pb2.StockLocation) -> Event:
    return make_event(
        events_pb2.LocationChanged,
        events.LOCATION_CHANGED,
        source=events.SOURCE,
        aggregate_type="location",
        aggregate_id=location.id,
        aggregate_version=location.version,
        location=location,
    )


def _document(location: inventory_pb2.StockLocation) -> dict[str, Any]:
    document = to_document(location)
    # Stored when false too: inactive locations are found by `active: {$ne: true}`.
    document["active"] = location.active
    document["city_key"] = city_key(location.address.city)
    return document
