"""Vouchers for staff: every staff role reads, admins create, change and deactivate. A voucher's
version travels as its ETag and comes back as If-Match."""

from __future__ import annotations

from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.order.v1 import promotions_pb2
from omni_gateway.catalog_calls import ETAG_HEADER, PageSize, Token, call, etag, require_version
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.common import named_fields
from omni_gateway.views.promotions import (
    NewVoucher,
    Voucher,
    VoucherChanges,
    VoucherList,
    voucher_message,
    voucher_view,
)

P = promotions_pb2


def tagged(voucher: P.Voucher, status_code: int = 200) -> Response[Voucher]:
    return Response(voucher_view(voucher), status_code=status_code, headers=etag(voucher.version))


class StaffPromotions(Controller):
    path = "/staff/v1/promotions"
    tags = ["promotions"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/vouchers", summary="Vouchers, by code")
    async def vouchers(
        self, state: State, principal: Principal, page_size: PageSize = 50, page_token: Token = None
    ) -> VoucherList:
        ask = P.ListVouchersRequest(page_size=page_size, page_token=page_token or "")
        reply = await call(state, state.downstream.promotions.ListVouchers, ask, idempotent=True)
        return VoucherList(
            items=[voucher_view(voucher) for voucher in reply.vouchers],
            next_page_token=reply.next_page_token or None,
        )

    @post(
        "/vouchers",
        response_headers=ETAG_HEADER,
        summary="Create a voucher (admins); its version as ETag",
        status_code=201,
        guards=[roles(StaffRole.ADMIN)],
    )
    async def create(
        self, state: State, principal: Principal, data: NewVoucher
    ) -> Response[Voucher]:
        ask = P.CreateVoucherRequest(voucher=voucher_message(data))
        reply = await call(state, state.downstream.promotions.CreateVoucher, ask, idempotent=False)
        return tagged(reply.voucher, 201)

    @get("/vouchers/{voucher_id:str}", response_headers=ETAG_HEADER, summary="A voucher")
    async def voucher(
        self, state: State, principal: Principal, voucher_id: str
    ) -> Response[Voucher]:
        ask = P.GetVoucherRequest(voucher_id=voucher_id)
        reply = await call(state, state.downstream.promotions.GetVoucher, ask, idempotent=True)
        return tagged(reply.voucher)

    @patch(
        "/vouchers/{voucher_id:str}",
        response_headers=ETAG_HEADER,
        summary="Change the fields the body names (If-Match: the ETag; stale -> 409)",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def change(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        voucher_id: str,
        data: VoucherChanges,
    ) -> Response[Voucher]:
        version = require_version(request)
        changed = voucher_message(data)
        changed.id = voucher_id
        paths = named_fields(data)
        ask = P.UpdateVoucherRequest(
            voucher=changed, update_mask=FieldMask(paths=paths), expected_version=version
        )
        reply = await call(
            state, state.downstream.promotions.UpdateVoucher, ask, idempotent=True, paths=paths
        )
        return tagged(reply.voucher)

    @post(
        "/vouchers/{voucher_id:str}/deactivate",
        response_headers=ETAG_HEADER,
        summary="Deactivate a voucher (If-Match): no new cart or order can use it",
        status_code=200,
        guards=[roles(StaffRole.ADMIN)],
    )
    async def deactivate(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, voucher_id: str
    ) -> Response[Voucher]:
        ask = P.DeactivateVoucherRequest(
            voucher_id=voucher_id, expected_version=require_version(request)
        )
        reply = await call(
            state, state.downstream.promotions.DeactivateVoucher, ask, idempotent=True
        )
        return tagged(reply.voucher)
