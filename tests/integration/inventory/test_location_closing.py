"""A location closed through the API is out of promise, sourcing and reservations on the next
request, though promise and sourcing read the locations from the process's copy."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from inventory_helpers import add_location, receive

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_kit.errors import error_details

SKU = "CLOSING-1"
WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)


async def promised(stub) -> set[str]:
    reply = await stub.GetAvailableToPromise(
        inventory_pb2.GetAvailableToPromiseRequest(skus=[SKU], channel=WEB)
    )
    return {row.location_id for row in reply.availability[0].locations}


async def planned(stub) -> set[str]:
    reply = await stub.SelectSources(
        inventory_pb2.SelectSourcesRequest(
            lines=[inventory_pb2.StockQuantity(sku=SKU, quantity=3)],
            delivery_mode=common_pb2.DELIVERY_MODE_HOME_DELIVERY,
            allow_split=True,
            channel=WEB,
        )
    )
    return {shipment.location_id for shipment in reply.plan.shipments}


async def test_a_closed_location_is_not_promised_planned_or_reserved_from_next(stub):
    closing = await add_location(stub, "CLOSE-A")
    staying = await add_location(stub, "CLOSE-B")
    await receive(stub, closing, SKU, 10)
    await receive(stub, staying, SKU, 2)
    assert await promised(stub) == {closing, staying}
    assert closing in await planned(stub)

    await stub.UpdateStockLocation(
        inventory_pb2.UpdateStockLocationRequest(
            location=inventory_pb2.StockLocation(id=closing, active=False),
            update_mask=FieldMask(paths=["active"]),
        )
    )

    assert await promised(stub) == {staying}
    assert await planned(stub) == {staying}
    reply = await stub.ReserveStock(
        inventory_pb2.ReserveStockRequest(
            reservation_id="res-closing-1",
            kind=inventory_pb2.RESERVATION_KIND_ORDER,
            lines=[inventory_pb2.StockQuantity(sku=SKU, quantity=2)],
            allow_split=True,
        )
    )
    assert {line.location_id for line in reply.reservation.lines} == {staying}
    for number, place in enumerate((closing, "loc-never-made")):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ReserveStock(
                inventory_pb2.ReserveStockRequest(
                    reservation_id=f"res-closing-{number + 2}",
                    kind=inventory_pb2.RESERVATION_KIND_ORDER,
                    lines=[inventory_pb2.StockQuantity(sku=SKU, quantity=1, location_id=place)],
                )
            )
        details = error_details(refused.value)
        assert (details.code, details.reason) == (grpc.StatusCode.NOT_FOUND, "LOCATION_NOT_FOUND")
        assert details.field == "lines[0].location_id"
