"""PromotionService RPCs: the vouchers staff create, read, change and deactivate."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, TypeVar

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.order.v1 import promotions_pb2, promotions_pb2_grpc
from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_kit.idempotency import Idempotency, Work
from omni_kit.ids import new_id, utcnow
from omni_kit.paging import decode_cursor, encode_cursor, fingerprint, page_size
from omni_order.domain import vouchers as rules
from omni_order.domain.common import require
from omni_order.domain.values import SalesChannel
from omni_order.domain.vouchers import Voucher
from omni_order.messages import from_message, to_message
from omni_order.ports import Catalog
from omni_order.store.vouchers import VoucherStore

P = promotions_pb2
R = TypeVar("R", P.UpdateVoucherResponse, P.DeactivateVoucherResponse)
# What UpdateVoucher may change: everything staff give, not the code (printed on flyers).
CHANGEABLE = tuple(
    name
    for name in (field.name for field in dataclasses.fields(Voucher))
    if name not in {"id", "code", "redeemed", "version", "created_at", "updated_at"}
)


class PromotionApi(promotions_pb2_grpc.PromotionServiceServicer):
    def __init__(self, store: VoucherStore, catalog: Catalog, idempotency: Idempotency) -> None:
        self.store = store
        self.catalog = catalog
        self.idempotency = idempotency

    async def CreateVoucher(
        self, request: P.CreateVoucherRequest, context: aio.ServicerContext
    ) -> P.CreateVoucherResponse:
        async def plan() -> Work[P.CreateVoucherResponse]:
            given = from_message(request.voucher, Voucher)
            now = utcnow()
            voucher = dataclasses.replace(
                given,
                id=new_id("vch"),
                code=rules.normal_code(given.code),
                redeemed=0,
                version=1,
                created_at=now,
                updated_at=now,
            )
            rules.require_voucher(voucher, await self._sold_in(voucher.channels))
            reply = P.CreateVoucherResponse(voucher=to_message(voucher, P.Voucher))

            async def write(session: AsyncClientSession) -> P.CreateVoucherResponse:
                await self.store.insert(voucher, session)
                return reply

            return write

        return await self.idempotency.run(context, request, P.CreateVoucherResponse, plan)

    async def GetVoucher(
        self, request: P.GetVoucherRequest, context: aio.ServicerContext
    ) -> P.GetVoucherResponse:
        voucher = await self.store.get(require(request.voucher_id, "voucher_id"))
        return P.GetVoucherResponse(voucher=to_message(voucher, P.Voucher))

    async def ListVouchers(
        self, request: P.ListVouchersRequest, context: aio.ServicerContext
    ) -> P.ListVouchersResponse:
        limit = page_size(request.page_size)
        query = fingerprint("vouchers")
        after = decode_cursor(request.page_token, 1, query=query, kinds=(str,))
        found = await self.store.page(after[0] if after else "", limit + 1)
        reply = P.ListVouchersResponse(
            vouchers=[to_message(voucher, P.Voucher) for voucher in found[:limit]]
        )
        if len(found) > limit:
            reply.next_page_token = encode_cursor([found[limit - 1].code], query)
        return reply

    async def UpdateVoucher(
        self, request: P.UpdateVoucherRequest, context: aio.ServicerContext
    ) -> P.UpdateVoucherResponse:
        async def plan() -> Work[P.UpdateVoucherResponse]:
            stored = await self.store.get(require(request.voucher.id, "voucher.id"))
            _require_version(stored, request.expected_version)
            paths = list(request.update_mask.paths)
            if not paths:
                raise InvalidArgument("update_mask names no field", field="update_mask")
            unknown = [path for path in paths if path not in CHANGEABLE]
            if unknown:
                raise InvalidArgument(
                    f"update_mask may name {', '.join(CHANGEABLE)}; not {unknown[0]!r}",
                    field="update_mask",
                )
            given = from_message(request.voucher, Voucher)
            changes = {path: getattr(given, path) for path in paths}
            return await self._writing(stored, changes, P.UpdateVoucherResponse)

        return await self.idempotency.run(context, request, P.UpdateVoucherResponse, plan)

    async def DeactivateVoucher(
        self, request: P.DeactivateVoucherRequest, context: aio.ServicerContext
    ) -> P.DeactivateVoucherResponse:
        async def plan() -> Work[P.DeactivateVoucherResponse]:
            stored = await self.store.get(require(request.voucher_id, "voucher_id"))
            _require_version(stored, request.expected_version)
            return await self._writing(stored, {"active": False}, P.DeactivateVoucherResponse)

        return await self.idempotency.run(context, request, P.DeactivateVoucherResponse, plan)

    async def _writing(
        self, stored: Voucher, changes: dict[str, Any], response_type: type[R]
    ) -> Work[R]:
        changed = dataclasses.replace(
            stored, **changes, version=stored.version + 1, updated_at=utcnow()
        )
        rules.require_voucher(changed, await self._sold_in(changed.channels))

        async def write(session: AsyncClientSession) -> R:
            await self.store.replace(changed, session)
            return response_type(voucher=to_message(changed, P.Voucher))

        return write

    async def _sold_in(self, channels: Sequence[SalesChannel]) -> list[str] | None:
        """The currencies the channels sell in; None when one of them sells in any currency
        (its currencies not set yet)."""
        wanted = list(channels) or [c for c in SalesChannel if c is not SalesChannel.UNSPECIFIED]
        sold: list[str] = []
        for channel in wanted:
            ref = common_pb2.ChannelRef(channel=common_pb2.SalesChannel.Value(channel.value))
            currencies = await self.catalog.currencies(ref)
            if not currencies.restricted:
                return None
            sold.extend(code for code in currencies.currencies if code not in sold)
        return sold


def _require_version(voucher: Voucher, expected: int) -> None:
    if expected and expected != voucher.version:
        raise FailedPrecondition(
            f"voucher {voucher.code} is at version {voucher.version}, not {expected}; "
            "reload it and try again",
            reason="VOUCHER_VERSION_MISMATCH",
            field="expected_version",
        )
