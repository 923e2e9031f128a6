"""Automatic catalog promotions for staff: every staff role reads, admins create, replace the
terms of and deactivate them. A promotion's version travels as its ETag and comes back as
If-Match."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import Provide

from omni.catalog.v1 import catalog_pb2
from omni_gateway.catalog_calls import ETAG_HEADER, PageSize, Token, call, etag, require_version
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.catalog_promotions import (
    CatalogPromotion,
    CatalogPromotionList,
    CatalogPromotionTerms,
    catalog_promotion_message,
    catalog_promotion_view,
)

C = catalog_pb2


def tagged(promotion: C.CatalogPromotion, status_code: int = 200) -> Response[CatalogPromotion]:
    return Response(
        catalog_promotion_view(promotion),
        status_code=status_code,
        headers=etag(promotion.version),
    )


class StaffCatalogPromotions(Controller):
    path = "/staff/v1/catalog-promotions"
    tags = ["catalog promotions"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]

    @get("/", summary="Catalog promotions, newest first")
    async def promotions(
        self,
        state: State,
        principal: Principal,
        active_only: bool = False,
        page_size: PageSize = 50,
        page_token: Token = None,
    ) -> CatalogPromotionList:
        ask = C.ListCatalogPromotionsRequest(
            page_size=page_size, page_token=page_token or "", active_only=active_only
        )
        reply = await call(
            state, state.downstream.catalog.ListCatalogPromotions, ask, idempotent=True
        )
        return CatalogPromotionList(
            items=[catalog_promotion_view(item) for item in reply.promotions],
            next_page_token=reply.next_page_token or None,
        )

    @post(
        "/",
        response_headers=ETAG_HEADER,
        summary="Create a catalog promotion (admins): a percentage off categories on channels "
        "for a period; its version as ETag",
        status_code=201,
        guards=[roles(StaffRole.ADMIN)],
    )
    async def create(
        self, state: State, principal: Principal, data: CatalogPromotionTerms
    ) -> Response[CatalogPromotion]:
        ask = C.CreateCatalogPromotionRequest(promotion=catalog_promotion_message(data))
        reply = await call(
            state, state.downstream.catalog.CreateCatalogPromotion, ask, idempotent=False
        )
        return tagged(reply.promotion, 201)

    @get("/{promotion_id:str}", response_headers=ETAG_HEADER, summary="A catalog promotion")
    async def promotion(
        self, state: State, principal: Principal, promotion_id: str
    ) -> Response[CatalogPromotion]:
        ask = C.GetCatalogPromotionRequest(id=promotion_id)
        reply = await call(
            state, state.downstream.catalog.GetCatalogPromotion, ask, idempotent=True
        )
        return tagged(reply.promotion)

    @put(
        "/{promotion_id:str}",
        response_headers=ETAG_HEADER,
        summary="Replace a promotion's terms (admins; If-Match: the ETag; stale -> 409)",
        guards=[roles(StaffRole.ADMIN)],
    )
    async def replace(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        promotion_id: str,
        data: CatalogPromotionTerms,
    ) -> Response[CatalogPromotion]:
        ask = C.UpdateCatalogPromotionRequest(
            promotion=catalog_promotion_message(data, promotion_id),
            expected_version=require_version(request),
        )
        reply = await call(
            state, state.downstream.catalog.UpdateCatalogPromotion, ask, idempotent=True
        )
        return tagged(reply.promotion)

    @post(
        "/{promotion_id:str}/deactivate",
        response_headers=ETAG_HEADER,
        summary="Deactivate a promotion (admins; If-Match): prices go back at once",
        status_code=200,
        guards=[roles(StaffRole.ADMIN)],
    )
    async def deactivate(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, promotion_id: str
    ) -> Response[CatalogPromotion]:
        ask = C.DeactivateCatalogPromotionRequest(
            id=promotion_id, expected_version=require_version(request)
        )
        reply = await call(
            state, state.downstream.catalog.DeactivateCatalogPromotion, ask, idempotent=True
        )
        return tagged(reply.promotion)
