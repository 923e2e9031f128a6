"""A customer's own addresses: add, change, remove (only their own: OWASP API1)."""

from __future__ import annotations

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, delete, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2 as P
from omni_gateway.downstream import actor_of
from omni_gateway.openapi import ID, Follow, links
from omni_gateway.profiles import postal
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.views.profile import Address, address_view
from omni_gateway.views.profile_requests import AddressBody, AddressPatch, set_fields

ADDRESS = {"address_id": ID}


class MyAddresses(Controller):
    path = "/api/v1/me/addresses"
    tags = ["customer"]
    dependencies = {"principal": Provide(auth.customer)}
    security = [{"bearerAuth": []}]

    @post(
        "/",
        summary="Add an address",
        status_code=201,
        opt=links(
            201,
            {
                "ChangeAddress": Follow("PATCH /api/v1/me/addresses/{address_id}", ADDRESS),
                "RemoveAddress": Follow("DELETE /api/v1/me/addresses/{address_id}", ADDRESS),
            },
        ),
    )
    async def add(self, state: State, principal: Principal, data: AddressBody) -> Address:
        reply = await state.downstream.call(
            state.downstream.customer.AddAddress,
            P.AddAddressRequest(
                profile_id=principal.id,
                address=P.CustomerAddress(
                    label=data.label,
                    address=postal(data.address),
                    default_shipping=data.default_shipping,
                    default_billing=data.default_billing,
                ),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return address_view(reply.address)

    @patch("/{address_id:str}", summary="Change one of my addresses")
    async def change(
        self, state: State, principal: Principal, address_id: str, data: AddressPatch
    ) -> Address:
        address = P.CustomerAddress(id=address_id, label=data.label or "")
        if data.address:
            address.address.CopyFrom(postal(data.address))
        address.default_shipping = bool(data.default_shipping)
        address.default_billing = bool(data.default_billing)
        reply = await state.downstream.call(
            state.downstream.customer.UpdateAddress,
            P.UpdateAddressRequest(
                profile_id=principal.id,
                address=address,
                update_mask=FieldMask(paths=set_fields(data)),
                actor=actor_of(principal),
            ),
            idempotent=True,
        )
        return address_view(reply.address)

    @delete("/{address_id:str}", summary="Remove one of my addresses", status_code=204)
    async def remove(self, state: State, principal: Principal, address_id: str) -> None:
        await state.downstream.call(
            state.downstream.customer.RemoveAddress,
            P.RemoveAddressRequest(
                profile_id=principal.id, address_id=address_id, actor=actor_of(principal)
            ),
            idempotent=False,
        )
