"""Category RPCs: the tree, listed parents first; moves carry the subtree along."""

from __future__ import annotations

from grpc import aio
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.catalog.v1 import catalog_pb2
from omni_catalog.api.common import Catalog
from omni_catalog.domain import categories, masks, paging, versions
from omni_kit.errors import InvalidArgument
from omni_kit.facts import Event
from omni_kit.idempotency import Work
from omni_kit.ids import new_id, utcnow
from omni_kit.protos import to_timestamp


class CategoryRpcs(Catalog):
    async def CreateCategory(
        self, request: catalog_pb2.CreateCategoryRequest, context: aio.ServicerContext
    ) -> catalog_pb2.CreateCategoryResponse:
        created = catalog_pb2.Category()
        created.CopyFrom(request.category)
        categories.validate_category(created)

        async def plan() -> Work[catalog_pb2.CreateCategoryResponse]:
            parent = None
            if created.parent_id:
                parent = await self.categories.get(created.parent_id, "category.parent_id")
            placement = categories.place(created.slug, parent)
            created.id = new_id("cat")
            created.version = 1
            created.ClearField("ancestor_ids")
            created.ancestor_ids.extend(placement.ancestor_ids)
            created.path = placement.path
            created.created_at.CopyFrom(to_timestamp(utcnow()))
            created.updated_at.CopyFrom(created.created_at)

            async def write(session: AsyncClientSession) -> list[Event]:
                await self.categories.insert(created, session)
                return []

            return self.writing(write, catalog_pb2.CreateCategoryResponse(category=created))

        return await self.infra.idempotency.run(
            context, request, catalog_pb2.CreateCategoryResponse, plan
        )

    async def GetCategory(
        self, request: catalog_pb2.GetCategoryRequest, context: aio.ServicerContext
    ) -> catalog_pb2.GetCategoryResponse:
        if not request.category_id:
            raise InvalidArgument("category_id is required", field="category_id")
        return catalog_pb2.GetCategoryResponse(
            category=await self.categories.get(request.category_id)
        )

    async def ListCategories(
        self, request: catalog_pb2.ListCategoriesRequest, context: aio.ServicerContext
    ) -> catalog_pb2.ListCategoriesResponse:
        size = paging.page_size(request.page_size)
        query: dict[str, object] = {}
        if request.roots_only:
            # Roots have no parent_id stored (proto3 leaves an empty string out).
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
        response = catalog_pb2.ListCategoriesResponse(categories=page[:size])
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
        changes = request.category
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
        updated = masks.apply_mask(stored, changes, paths)
        categories.validate_category(updated)
        parent = None
        if updated.parent_id:
            parent = await self.categories.get(updated.parent_id, "category.parent_id")
        categories.check_move(updated.id, parent, "category.parent_id")
        placement = categories.place(updated.slug, parent)
        updated.ClearField("ancestor_ids")
        updated.ancestor_ids.extend(placement.ancestor_ids)
        updated.path = placement.path
        updated.version = stored.version + 1
        updated.updated_at.CopyFrom(to_timestamp(utcnow()))

        async def write(session: AsyncClientSession) -> list[Event]:
            await self.categories.replace(updated, request.expected_version, session)
            if updated.path != stored.path:
                subtree = [updated.id]
                for below in await self.categories.descendants(updated.id, session):
                    moved = categories.rebase(below, updated.id, placement, stored.path)
                    below.ClearField("ancestor_ids")
                    below.ancestor_ids.extend(moved.ancestor_ids)
                    below.path = moved.path
                    below.version += 1
                    below.updated_at.CopyFrom(updated.updated_at)
                    await self.categories.replace(below, below.version - 1, session)
                    subtree.append(below.id)
                if list(updated.ancestor_ids) != list(stored.ancestor_ids):
                    # Products below now sit under other ancestors: their browse terms change.
                    for product in await self.products.in_categories(subtree, session):
                        await self.readmodel.refresh(product, session)
            return []

        return self.writing(write, catalog_pb2.UpdateCategoryResponse(category=updated))
