"""The category tree: each category knows its ancestors and its slug path from the root, so
"this category and everything below it" is one indexed query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from omni_catalog.domain.products import validate_slug
from omni_kit.errors import InvalidArgument

UPDATABLE = ("name", "slug", "parent_id", "position")
READ_ONLY = ("id", "ancestor_ids", "path", "version", "created_at", "updated_at")
MAX_NAME = 200


@dataclass(frozen=True)
class Category:
    id: str = ""
    # Empty for a root category.
    parent_id: str = ""
    name: str = ""
    slug: str = ""
    # From the root down, excluding this category.
    ancestor_ids: tuple[str, ...] = ()
    # Slug path from the root, e.g. "/women/shoes/sneakers".
    path: str = ""
    # Order among siblings.
    position: int = 0
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def placed(self, placement: Placement) -> Category:
        return replace(self, ancestor_ids=placement.ancestor_ids, path=placement.path)


@dataclass(frozen=True)
class Placement:
    ancestor_ids: tuple[str, ...]
    path: str


def validate_category(category: Category, field: str = "category") -> None:
    if not category.name.strip() or len(category.name) > MAX_NAME:
        raise InvalidArgument(f"name must be 1-{MAX_NAME} characters", field=f"{field}.name")
    validate_slug(category.slug, f"{field}.slug")
    if category.position < 0:
        raise InvalidArgument("position must not be negative", field=f"{field}.position")


def place(slug: str, parent: Category | None) -> Placement:
    """Where a category with `slug` sits under `parent` (None: at the root)."""
    if parent is None:
        return Placement((), f"/{slug}")
    return Placement((*parent.ancestor_ids, parent.id), f"{parent.path}/{slug}")


def check_move(category_id: str, new_parent: Category | None, field: str) -> None:
    """A category cannot move under itself or one of its descendants."""
    if new_parent is not None and (
        new_parent.id == category_id or category_id in new_parent.ancestor_ids
    ):
        raise InvalidArgument(
            "a category cannot be moved under itself or one of its descendants",
            reason="CATEGORY_CYCLE",
            field=field,
        )


def rebase(
    descendant: Category,
    moved_id: str,
    moved_to: Placement,
    old_path: str,
) -> Placement:
    """A descendant's new placement after the category `moved_id` moved or changed slug."""
    below = descendant.ancestor_ids[descendant.ancestor_ids.index(moved_id) :]
    return Placement(
        (*moved_to.ancestor_ids, *below), moved_to.path + descendant.path[len(old_path) :]
    )
