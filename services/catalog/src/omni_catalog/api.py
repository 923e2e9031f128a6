"""The CatalogService gRPC servicer: protobuf <-> domain and store, nothing clever."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni_catalog import domain, events
from omni_catalog.store import ProductStore
from omni_kit.errors import InvalidArgument, NotFound
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import from_document, to_document, to_timestamp
from omni_kit.runtime import Infrastructure


class CatalogApi(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, infra: Infrastructure, store: ProductStore) -> None:
        self.infra = infra
        self.store = store

    async def CreateProduct(
        self, request: catalog_pb2.CreateProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.CreateProductResponse:
        product = request.product
        domain.validate_new_product(
            product.slug,
            product.default_language,
            product.texts.keys(),
            [variant.sku for variant in product.variants],
        )
        created = catalog_pb2.Product()
        created.CopyFrom(product)
        created.id = new_id("prod")
        created.version = 1
        created.status = product.status or catalog_pb2.PRODUCT_STATUS_DRAFT
        created.created_at.CopyFrom(to_timestamp(utcnow()))
        created.updated_at.CopyFrom(created.created_at)
        document = to_document(created)
        event = events.product_created(created)

        async def write(session: AsyncClientSession) -> None:
            await self.store.insert(document, session)
            await self.infra.outbox.add(session, event.subject, event.message, event_id=event.id)

        await self.infra.transaction(write)
        return catalog_pb2.CreateProductResponse(product=created)

    async def GetProduct(
        self, request: catalog_pb2.GetProductRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetProductResponse:
        if not request.product_id:
            raise InvalidArgument("product_id is required", field="product_id")
        document = await self.store.get(request.product_id)
        if document is None:
            raise NotFound(f"no product with id {request.product_id!r}", reason="PRODUCT_NOT_FOUND")
        return catalog_pb2.GetProductResponse(product=from_document(document, catalog_pb2.Product))
