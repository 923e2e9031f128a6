"""Catalog promotion RPCs: create, read, list, change and deactivate automatic promotions. A
write only stores the promotion (with what its change covers); the sale-window task then
reprices the browse documents it covers (sale_windows.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal, TypeVar

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.common import Catalog
from omni_catalog.api.messages import channel_from, channel_ref
from omni_catalog.domain import paging, versions
from omni_catalog.domain.promotions import Promotion, validate_promotion
from omni_catalog.store.promotions import PromotionStore
from omni_kit.errors import FailedPrecondition, InvalidArgument
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, to_millisecond, utcnow
from omni_kit.protos import from_timestamp, to_timestamp

# What a change of a promotion answers.
Saved = TypeVar(
    "Saved",
    catalog_pb2.UpdateCatalogPromotionResponse,
    catalog_pb2.DeactivateCatalogPromotionResponse,
)


class PromotionRpcs(Catalog):
    @property
    def promotions(self) -> PromotionStore:
        return self.readmodel.promotions

    async def CreateCatalogPromotion(
        self, request: catalog_pb2.CreateCatalogPromotionRequest, context: aio.ServicerContext
    ) -> catalog_pb2.CreateCatalogPromotionResponse:
        given = await self._checked(request.promotion)

        async def plan() -> Work[catalog_pb2.CreateCatalogPromotionResponse]:
            now = utcnow()
            created = replace(
                given, id=new_id("promo"), active=True, version=1, created_at=now, updated_at=now
            )

            async def write(session: AsyncClientSession) -> list[Event]:
                await self.promotions.insert(created, session)
                return []

            response = catalog_pb2.CreateCatalogPromotionResponse(
                promotion=promotion_message(created)
            )
            return self.writing(write, response)

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.CreateCatalogPromotionResponse, plan
        )

    async def GetCatalogPromotion(
        self, request: catalog_pb2.GetCatalogPromotionRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetCatalogPromotionResponse:
        if not request.id:
            raise InvalidArgument("id is required", field="id")
        promotion = await self.promotions.get(request.id)
        return catalog_pb2.GetCatalogPromotionResponse(promotion=promotion_message(promotion))

    async def ListCatalogPromotions(
        self, request: catalog_pb2.ListCatalogPromotionsRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListCatalogPromotionsResponse:
        size = paging.page_size(request.page_size)
        query: dict[str, object] = {"active": True} if request.active_only else {}
        owner = paging.fingerprint("promotions", request.active_only)
        values = paging.decode_cursor(request.page_token, 1, query=owner)
        before = None if values is None else str(values[0])
        page = await self.promotions.page(query, before, size + 1)
        response = catalog_pb2.ListCatalogPromotionsResponse(
            promotions=[promotion_message(promotion) for _, promotion in page[:size]]
        )
        if len(page) > size:
            response.next_page_token = paging.encode_cursor([page[size - 1][0]], owner)
        return response

    async def UpdateCatalogPromotion(
        self, request: catalog_pb2.UpdateCatalogPromotionRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpdateCatalogPromotionResponse:
        async def plan() -> Work[catalog_pb2.UpdateCatalogPromotionResponse]:
            if not request.promotion.id:
                raise InvalidArgument("promotion.id is required", field="promotion.id")
            versions.require_version(request.expected_version)
            given = await self._checked(request.promotion)
            stored = await self._current(request.promotion.id, request.expected_version)
            if not stored.active:
                raise FailedPrecondition(
                    "the promotion is deactivated; create a new one",
                    reason="PROMOTION_INACTIVE",
                    field="promotion.id",
                )
            updated = replace(
                given,
                id=stored.id,
                active=True,
                version=stored.version + 1,
                created_at=stored.created_at,
                updated_at=utcnow(),
            )
            return self._saving(stored, updated, catalog_pb2.UpdateCatalogPromotionResponse)

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.UpdateCatalogPromotionResponse, plan
        )

    async def DeactivateCatalogPromotion(
        self, request: catalog_pb2.DeactivateCatalogPromotionRequest, context: aio.ServicerContext
    ) -> catalog_pb2.DeactivateCatalogPromotionResponse:
        async def plan() -> Work[catalog_pb2.DeactivateCatalogPromotionResponse]:
            if not request.id:
                raise InvalidArgument("id is required", field="id")
            if request.expected_version < 0:
                raise InvalidArgument(
                    "expected_version must not be negative", field="expected_version"
                )
            stored = await self._current(request.id, request.expected_version)
            updated = replace(stored, active=False, version=stored.version + 1, updated_at=utcnow())
            return self._saving(stored, updated, catalog_pb2.DeactivateCatalogPromotionResponse)

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.DeactivateCatalogPromotionResponse, plan
        )

    async def _current(self, promotion_id: str, expected_version: int) -> Promotion:
        stored = await self.promotions.get(promotion_id)
        if expected_version and stored.version != expected_version:
            raise versions.stale("the promotion", expected_version, stored.version)
        return stored

    def _saving(self, stored: Promotion, updated: Promotion, kind: type[Saved]) -> Work[Saved]:
        async def write(session: AsyncClientSession) -> list[Event]:
            await self.promotions.replace(stored, updated, session)
            return []

        return self.writing(write, kind(promotion=promotion_message(updated)))

    async def _checked(self, message: catalog_pb2.CatalogPromotion) -> Promotion:
        """The promotion's terms as given, checked (its categories must exist)."""
        given = promotion_from(message)
        validate_promotion(given)
        missing = set(await self.categories.missing(list(given.category_ids)))
        for index, category_id in enumerate(given.category_ids):
            if category_id in missing:
                raise InvalidArgument(
                    f"no category with id {category_id!r}",
                    reason="CATEGORY_NOT_FOUND",
                    field=f"promotion.category_ids[{index}]",
                )
        return given


def promotion_from(message: catalog_pb2.CatalogPromotion) -> Promotion:
    """The terms a caller gives (id, active, version and times are the catalog's)."""
    return Promotion(
        name=message.name,
        percentage_basis_points=message.percentage_basis_points,
        category_ids=tuple(message.category_ids),
        channels=tuple(
            channel_from(ref, f"promotion.channels[{index}]")
            for index, ref in enumerate(message.channels)
        ),
        starts_at=_time(message, "starts_at"),
        ends_at=_time(message, "ends_at"),
    )


def promotion_message(promotion: Promotion) -> catalog_pb2.CatalogPromotion:
    return catalog_pb2.CatalogPromotion(
        id=promotion.id,
        name=promotion.name,
        percentage_basis_points=promotion.percentage_basis_points,
        category_ids=list(promotion.category_ids),
        channels=[channel_ref(channel) for channel in promotion.channels],
        starts_at=to_timestamp(promotion.starts_at),
        ends_at=to_timestamp(promotion.ends_at),
        active=promotion.active,
        version=promotion.version,
        created_at=to_timestamp(promotion.created_at),
        updated_at=to_timestamp(promotion.updated_at),
    )


def _time(
    message: catalog_pb2.CatalogPromotion, name: Literal["starts_at", "ends_at"]
) -> datetime | None:
    """A time the caller gave, to the millisecond the store keeps."""
    if not message.HasField(name):
        return None
    return to_millisecond(from_timestamp(getattr(message, name)))
