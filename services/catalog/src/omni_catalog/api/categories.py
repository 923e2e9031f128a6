"""Category RPCs: the tree, listed parents first; moves carry the subtree along."""

from __future__ import annotations

from dataclasses import replace

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.common import Catalog
from omni_catalog.api.messages import category_from, category_message
from omni_catalog.domain import categories, masks, paging, versions
from omni_kit.errors import InvalidArgument
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow


class CategoryRpcs(Catalog):
    async def CreateCategory(
        self, request: catalog_pb2.CreateCategoryRequest, context: aio.ServicerContext
    ) -> catalog_pb2.CreateCategoryResponse:
        given = category_from(request.category)
        categories.validate_category(given)

        async def plan() -> Work[catalog_pb2.CreateCategoryResponse]:
            parent = None
            if given.parent_id:
                parent = await self.categories.get(given.parent_id, "category.parent_id")
            now = utcnow()
            created = replace(
                given, id=new_id("cat"), version=1, created_at=now, updated_at=now
            ).placed(categories.place(given.slug, parent))

            async def write(session: AsyncClientSession) -> list[Event]:
                await self.categories.insert(created, session)
                return []

            response = catalog_pb2.CreateCategoryResponse(category=category_message(created))
            return self.writing(write, response)

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.CreateCategoryResponse, plan
        )

    async def GetCategory(
        self, request: catalog_pb2.GetCategoryRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetCategoryResponse:
        if not request.category_id:
            raise InvalidArgument("category_id is required", field="category_id")
        category = await self.categories.get(request.category_id)
        return catalog_pb2.GetCategoryResponse(category=category_message(category))

    async def ListCategories(
        self, request: catalog_pb2.ListCategoriesRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListCategoriesResponse:
        size = paging.page_size(request.page_size)
        query: dict[str, object] = {}
        if request.roots_only:
            # Roots have no parent_id stored (an empty one is left out).
            query["parent_id"] = None
        elif request.parent_id:
            await self.categories.get(request.parent_id, "parent_id")
            query["parent_id"] = request.parent_id
        owner = paging.fingerprint("categories", request.parent_id, request.roots_only)
        after = None
        values = paging.decode_cursor(request.page_token, 1, query=owner)
        if values is not None:
            after = {"path": {"$gt": values[0]}}
        page = await self.categories.page(query, after, size + 1)
        response = catalog_pb2.ListCategoriesResponse(
            categories=[category_message(category) for category in page[:size]]
        )
        if len(page) > size:
            response.next_page_token = paging.encode_cursor([page[size - 1].path], owner)
        return response

    async def UpdateCategory(
        self, request: catalog_pb2.UpdateCategoryRequest, context: aio.ServicerContext
    ) -> catalog_pb2.UpdateCategoryResponse:
        return await self.infra.idempotency.run(
            context,
            request,
            catalog_pb2.UpdateCategoryResponse,
            lambda: self._plan_update_category(request),
        )

    async def _plan_update_category(
        self, request: catalog_pb2.UpdateCategoryRequest
    ) -> Work[catalog_pb2.UpdateCategoryResponse]:
        changes = category_from(request.category)
        if not changes.id:
            raise InvalidArgument("category.id is required", field="category.id")
        paths = masks.validate_mask(
            request.update_mask.paths, categories.UPDATABLE, categories.READ_ONLY
        )
        versions.require_version(request.expected_version)
        stored = await self.categories.get(changes.id, "category.id")
        if stored.version != request.expected_version:
            raise versions.stale(
                f"category {stored.id!r}", request.expected_version, stored.version
            )
        changed = masks.apply_mask(stored, changes, paths)
        categories.validate_category(changed)
        parent = None
        if changed.parent_id:
            parent = await self.categories.get(changed.parent_id, "category.parent_id")
        categories.check_move(changed.id, parent, "category.parent_id")
        placement = categories.place(changed.slug, parent)
        updated = replace(
            changed.placed(placement), version=stored.version + 1, updated_at=utcnow()
        )

        async def write(session: AsyncClientSession) -> list[Event]:
            await self.categories.replace(updated, request.expected_version, session)
            if updated.path != stored.path:
                subtree = [updated.id]
                for below in await self.categories.descendants(updated.id, session):
                    moved = replace(
                        below.placed(categories.rebase(below, updated.id, placement, stored.path)),
                        version=below.version + 1,
                        updated_at=updated.updated_at,
                    )
                    await self.categories.replace(moved, below.version, session)
                    subtree.append(below.id)
                if updated.ancestor_ids != stored.ancestor_ids:
                    # Products below now sit under other ancestors: their browse terms change.
                    for product in await self.products.in_categories(subtree, session):
                        await self.readmodel.refresh(product, session)
            return []

        response = catalog_pb2.UpdateCategoryResponse(category=category_message(updated))
        return self.writing(write, response)
