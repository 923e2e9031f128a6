"""What can be promised: ATP per channel and location, sourcing plans, channel policies, feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from grpc import aio

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory.api.base import no_checks
from omni_inventory.api.locations import Locations, Where
from omni_inventory.domain import sourcing
from omni_inventory.domain.levels import Availability, availability
from omni_inventory.domain.locations import distance_km, validate_point
from omni_inventory.domain.requests import lines, page_size, require
from omni_inventory.store import feed, listing
from omni_inventory.store import policies as policy_store
from omni_inventory.store.changes import StockChanges, inactive_locations
from omni_kit import paging
from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_kit.ids import utcnow
from omni_kit.protos import from_document, from_timestamp, to_timestamp

STATUS = {
    Availability.IN_STOCK: inventory_pb2.AVAILABILITY_STATUS_IN_STOCK,
    Availability.LOW_STOCK: inventory_pb2.AVAILABILITY_STATUS_LOW_STOCK,
    Availability.OUT_OF_STOCK: inventory_pb2.AVAILABILITY_STATUS_OUT_OF_STOCK,
}
C_AND_C = common_pb2.DELIVERY_MODE_CLICK_AND_COLLECT
SHIP_TO_STORE = common_pb2.DELIVERY_MODE_SHIP_TO_STORE


class Promise(Locations):
    async def GetAvailableToPromise(
        self, request: inventory_pb2.GetAvailableToPromiseRequest, context: aio.ServicerContext
    ) -> inventory_pb2.GetAvailableToPromiseResponse:
        if not request.skus:
            raise InvalidArgument("skus must name at least one SKU", field="skus")
        if request.max_locations < 0:
            raise InvalidArgument("max_locations must not be negative", field="max_locations")
        if request.location_id:
            await self.cached_location(request.location_id, "location_id")
        near = request.near if request.HasField("near") else None
        places = await self.nearby(
            near,
            request.radius_km,
            Where(
                click_and_collect_only=request.click_and_collect_only,
                location_ids=(request.location_id,) if request.location_id else (),
            ),
        )
        policy = await policy_store.policy_for(self.collections, request.channel)
        default_low = self.settings.low_stock_threshold
        found = inventory_pb2.GetAvailableToPromiseResponse()
        wanted = list(dict.fromkeys(request.skus))
        # One read for every SKU of the request (a browse page asks for dozens at once).
        by_sku = await self._levels_by_sku(wanted)
        for sku in wanted:
            levels = by_sku.get(sku, {})
            item = found.availability.add(sku=sku)
            total = 0
            for location, distance in places:
                level = levels.get(location.id)
                if level is None:
                    continue
                total += level.get("available", 0)
                shown = policy.apply_share(level.get("available", 0))
                row = inventory_pb2.LocationAvailability(
                    location_id=location.id,
                    location_name=location.name,
                    kind=location.kind,
                    available=shown,
                    status=STATUS[
                        availability(shown, level.get("low_stock_threshold") or default_low)
                    ],
                    distance_km=round(distance, 3),
                    capabilities=location.capabilities,
                    inbound=level.get("inbound", 0),
                    next_inbound_at=to_timestamp(level.get("next_inbound_at")),
                )
                item.locations.append(row)
                _note_inbound(item, level)
            if near is None:
                item.locations.sort(key=lambda row: (-row.available, row.location_name))
            if request.max_locations:
                del item.locations[request.max_locations :]
            item.available = policy.apply(total)
            item.status = STATUS[availability(item.available, default_low)]
        return found

    async def SelectSources(
        self, request: inventory_pb2.SelectSourcesRequest, context: aio.ServicerContext
    ) -> inventory_pb2.SelectSourcesResponse:
        lines(((line.sku, line.quantity) for line in request.lines), "lines")
        if not request.delivery_mode:
            raise InvalidArgument(
                "delivery_mode must be HOME_DELIVERY, CLICK_AND_COLLECT or SHIP_TO_STORE",
                field="delivery_mode",
            )
        policy = await policy_store.policy_for(self.collections, request.channel)
        point = None
        if request.delivery_mode in (C_AND_C, SHIP_TO_STORE):
            require(request.pickup_location_id, "pickup_location_id")
            store_doc = await self.cached_location(request.pickup_location_id, "pickup_location_id")
            if not store_doc.get("capabilities", {}).get("click_and_collect"):
                raise FailedPrecondition(
                    f"location {request.pickup_location_id!r} does not serve click & collect",
                    reason="NOT_A_PICKUP_LOCATION",
                    field="pickup_location_id",
                )
            geo = store_doc.get("geo", {})
            point = (geo.get("lat", 0.0), geo.get("lng", 0.0))
        elif request.HasField("delivery_geo") and (
            request.delivery_geo.lat or request.delivery_geo.lng
        ):
            validate_point(request.delivery_geo.lat, request.delivery_geo.lng, "delivery_geo")
            point = (request.delivery_geo.lat, request.delivery_geo.lng)
        if request.delivery_mode == C_AND_C:
            places = await self.nearby(None, 0, Where(location_ids=(request.pickup_location_id,)))
        else:
            places = await self.nearby(None, 0, Where(ships_only=True))
        skus = list(dict.fromkeys(line.sku for line in request.lines))
        levels = await self._levels_by_sku(skus)
        stock = {sku: levels.get(sku, {}) for sku in skus}
        sources = [
            sourcing.Source(
                location_id=location.id,
                code=location.code,
                distance_km=distance_km(point, (location.geo.lat, location.geo.lng))
                if point
                else 0.0,
                available={
                    sku: policy.apply_share(stock[sku].get(location.id, {}).get("available", 0))
                    for sku in skus
                },
            )
            for location, _ in places
        ]
        plan = sourcing.select(
            [(line.sku, line.quantity) for line in request.lines],
            sources,
            allow_split=request.allow_split or request.delivery_mode == C_AND_C,
        )
        result = inventory_pb2.SourcingPlan(complete=not plan.shortfalls)
        for source, taken in plan.shipments:
            result.shipments.add(
                location_id=source.location_id,
                distance_km=round(source.distance_km, 3),
                lines=[
                    inventory_pb2.StockQuantity(
                        sku=sku, quantity=units, location_id=source.location_id
                    )
                    for sku, units in taken.items()
                ],
            )
        prefix = "pickup store " if request.delivery_mode == C_AND_C else ""
        result.explanations.extend(prefix + text for text in plan.explanations)
        result.shortfalls.extend(
            inventory_pb2.StockQuantity(sku=sku, quantity=units)
            for sku, units in plan.shortfalls.items()
        )
        return inventory_pb2.SelectSourcesResponse(plan=result)

    async def SetChannelStockPolicy(
        self, request: inventory_pb2.SetChannelStockPolicyRequest, context: aio.ServicerContext
    ) -> inventory_pb2.SetChannelStockPolicyResponse:
        policy = inventory_pb2.ChannelStockPolicy()
        policy.CopyFrom(request.policy)
        if not policy.channel.channel:
            raise InvalidArgument("policy.channel.channel is required", field="policy.channel")
        if policy.HasField("share_percent") and not 0 <= policy.share_percent <= 100:
            raise InvalidArgument(
                "share_percent must be between 0 and 100", field="policy.share_percent"
            )
        if policy.buffer_units < 0:
            raise InvalidArgument("buffer_units must not be negative", field="policy.buffer_units")
        policy.channel.store_id = ""
        policy.updated_at.CopyFrom(to_timestamp(utcnow()))

        async def work(changes: StockChanges) -> inventory_pb2.SetChannelStockPolicyResponse:
            await policy_store.save(self.collections, policy, changes.session)
            return inventory_pb2.SetChannelStockPolicyResponse(policy=policy)

        return await self.write(
            context, request, inventory_pb2.SetChannelStockPolicyResponse, no_checks(work)
        )

    async def GetChannelStockPolicy(
        self, request: inventory_pb2.GetChannelStockPolicyRequest, context: aio.ServicerContext
    ) -> inventory_pb2.GetChannelStockPolicyResponse:
        return inventory_pb2.GetChannelStockPolicyResponse(
            policy=await policy_store.find(self.collections, request.channel)
        )

    async def ListChannelStockPolicies(
        self, request: inventory_pb2.ListChannelStockPoliciesRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListChannelStockPoliciesResponse:
        size = page_size(request.page_size)
        documents, token = await listing.small_page(
            self.collections.policies, {}, listing.POLICY, size, request.page_token
        )
        return inventory_pb2.ListChannelStockPoliciesResponse(
            policies=[from_document(d, inventory_pb2.ChannelStockPolicy) for d in documents],
            next_page_token=token,
        )

    async def ListStockFeed(
        self, request: inventory_pb2.ListStockFeedRequest, context: aio.ServicerContext
    ) -> inventory_pb2.ListStockFeedResponse:
        size = page_size(request.page_size)
        if not request.channel.channel:
            raise InvalidArgument("channel is required", field="channel")
        since = from_timestamp(request.updated_since) if request.HasField("updated_since") else None
        query = paging.fingerprint("stock feed", since)
        token = paging.decode_cursor(request.page_token, 2, query=query, kinds=(int, str))
        after = None if token is None else (_moment(token[0]), token[1])
        inactive = set(await inactive_locations(self.collections))
        entries, more = await feed.page(self.collections, since, after, size, inactive)
        policy = await policy_store.policy_for(self.collections, request.channel)
        response = inventory_pb2.ListStockFeedResponse()
        for entry in entries:
            shown = policy.apply(entry.available)
            response.items.add(
                sku=entry.sku,
                available=shown,
                status=STATUS[availability(shown, self.settings.low_stock_threshold)],
                next_inbound_at=to_timestamp(entry.next_inbound_at),
                updated_at=to_timestamp(entry.updated_at),
            )
        if more:
            moment, level = entries[-1].cursor
            response.next_page_token = paging.encode_cursor([_ms(moment), level], query)
        return response

    async def _levels_by_sku(self, skus: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """Per SKU, its stock level documents by location."""
        found: dict[str, dict[str, dict[str, Any]]] = {}
        async for document in self.collections.stock.find({"sku": {"$in": skus}}):
            found.setdefault(document["sku"], {})[document["location_id"]] = document
        return found


def _note_inbound(item: inventory_pb2.SkuAvailability, level: dict[str, Any]) -> None:
    item.inbound += level.get("inbound", 0)
    arrives = level.get("next_inbound_at")
    if arrives is not None and (
        not item.HasField("next_inbound_at") or arrives < from_timestamp(item.next_inbound_at)
    ):
        item.next_inbound_at.CopyFrom(to_timestamp(arrives))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
