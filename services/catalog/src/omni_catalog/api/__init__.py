"""The CatalogService gRPC servicer: protobuf <-> domain and store, nothing clever."""

from __future__ import annotations

from omni.catalog.v1 import catalog_pb2_grpc
from omni_catalog.api.browse import BrowseRpcs
from omni_catalog.api.categories import CategoryRpcs
from omni_catalog.api.imports import ImportRpcs
from omni_catalog.api.listings import ListingRpcs
from omni_catalog.api.prices import PriceRpcs
from omni_catalog.api.products import ProductRpcs
from omni_catalog.api.promotions import PromotionRpcs


class CatalogApi(
    ProductRpcs,
    ImportRpcs,
    CategoryRpcs,
    ListingRpcs,
    PriceRpcs,
    BrowseRpcs,
    PromotionRpcs,
    catalog_pb2_grpc.CatalogServiceServicer,
):
    pass
