"""Checks on request input shared by every RPC: quantities, SKUs, locations."""

from __future__ import annotations

from collections.abc import Iterable

from omni_kit.errors import InvalidArgument


def require(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(f"{field} is required", field=field)
    return value


def positive(quantity: int, field: str) -> int:
    if quantity <= 0:
        raise InvalidArgument(f"{field} must be greater than 0 (got {quantity})", field=field)
    return quantity


def lines(items: Iterable[tuple[str, int]], field: str, *, allow_empty: bool = False) -> None:
    """Every (sku, quantity) has a SKU and a quantity > 0; at least one unless allowed."""
    count = 0
    for index, (sku, quantity) in enumerate(items):
        require(sku, f"{field}[{index}].sku")
        positive(quantity, f"{field}[{index}].quantity")
        count += 1
    if not count and not allow_empty:
        raise InvalidArgument(f"{field} must name at least one SKU and quantity", field=field)


def page_size(requested: int, default: int = 50, cap: int = 200) -> int:
    """The page size asked for (0: the default); out of range is the caller's mistake."""
    if requested < 0 or requested > cap:
        raise InvalidArgument(
            f"page_size must be between 1 and {cap} (0 for {default}); got {requested}",
            field="page_size",
        )
    return requested or default
