"""Category paths (`/women/shoes`) as the catalog's category ids, read once per job; a path the
catalog does not have is made, parent first (the slug names it until someone renames it)."""

from __future__ import annotations

import grpc

from omni.catalog.v1 import catalog_pb2
from omni_gateway.bulk.calls import BulkCalls
from omni_gateway.bulk.catalog import CALLER
from omni_gateway.bulk.rows import RowError
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata


async def all_paths(downstream: BulkCalls) -> dict[str, str]:
    """Every category's id by its path."""
    found: dict[str, str] = {}
    ask = catalog_pb2.ListCategoriesRequest(page_size=200)
    async for reply in downstream.pages(downstream.catalog.ListCategories, ask):
        found |= {category.path: category.id for category in reply.categories}
    return found


class Categories:
    def __init__(self, downstream: BulkCalls, ids: dict[str, str]) -> None:
        self.downstream = downstream
        self.ids = ids

    async def resolve(self, paths: list[str]) -> list[str]:
        return [await self._id(path) for path in paths]

    async def _id(self, path: str) -> str:
        if path in self.ids:
            return self.ids[path]
        parent, _, slug = path.rpartition("/")
        parent_id = await self._id(parent) if parent else ""
        category = catalog_pb2.Category(
            parent_id=parent_id, slug=slug, name=slug.replace("-", " ").capitalize()
        )
        try:
            reply = await self.downstream.call(
                self.downstream.catalog.CreateCategory,
                catalog_pb2.CreateCategoryRequest(category=category),
                idempotent=True,
                metadata=call_metadata(f"import-category-{path}", CALLER),
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.ALREADY_EXISTS:  # made meanwhile by someone else
                self.ids = await all_paths(self.downstream)
                if path in self.ids:
                    return self.ids[path]
            if error.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS):
                raise RowError("categories", f"{path}: {error_details(error).message}") from None
            raise
        self.ids[path] = reply.category.id
        return reply.category.id
