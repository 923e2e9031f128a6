"""Browse and search: what a product list request may ask for, and its sort order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omni.catalog.v1 import catalog_pb2
from omni_catalog.domain.listings import channel_key, validate_money
from omni_catalog.domain.paging import SortKey
from omni_catalog.domain.products import ATTRIBUTE_KEY, LANGUAGE
from omni_kit.errors import InvalidArgument

MAX_QUERY = 200
MAX_ATTRIBUTE_FILTERS = 20
MAX_FILTER_VALUES = 50

# Computed per product by the store's browse query.
NAME = "_name"
PRICE = "_price"
RANK = "_rank"
ID = "_id"

SORTS: dict[int, list[SortKey]] = {
    catalog_pb2.PRODUCT_SORT_NAME_ASC: [SortKey(NAME), SortKey(ID)],
    catalog_pb2.PRODUCT_SORT_NAME_DESC: [SortKey(NAME, True), SortKey(ID, True)],
    catalog_pb2.PRODUCT_SORT_PRICE_ASC: [SortKey(PRICE), SortKey(ID)],
    catalog_pb2.PRODUCT_SORT_PRICE_DESC: [SortKey(PRICE, True), SortKey(ID, True)],
    catalog_pb2.PRODUCT_SORT_NEWEST: [SortKey("created_at", True), SortKey(ID, True)],
    catalog_pb2.PRODUCT_SORT_RECENTLY_UPDATED: [SortKey("updated_at", True), SortKey(ID, True)],
}
# Without a text index, relevance is: exact SKU first, then names starting with the query.
RELEVANCE = [SortKey(RANK), SortKey(NAME), SortKey(ID)]


@dataclass(frozen=True)
class Bound:
    amount_minor: int
    currency_code: str


@dataclass(frozen=True)
class Browse:
    channel_key: str | None
    include_unpublished: bool
    category_id: str
    include_subcategories: bool
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    min_price: Bound | None
    max_price: Bound | None
    query: str
    sort: tuple[SortKey, ...]
    language: str
    statuses: tuple[str, ...]

    @property
    def needs_price(self) -> bool:
        return (
            self.min_price is not None
            or self.max_price is not None
            or any(key.field == PRICE for key in self.sort)
        )


def browse(request: catalog_pb2.ListProductsRequest) -> Browse:
    """The validated meaning of a ListProducts request (paging aside)."""
    key = channel_key(request.channel) if request.HasField("channel") else None
    query = request.query.strip()
    if len(query) > MAX_QUERY:
        raise InvalidArgument(f"query must be at most {MAX_QUERY} characters", field="query")
    if request.language and not LANGUAGE.match(request.language):
        raise InvalidArgument(
            f"language {request.language!r} must be a tag such as 'en' or 'pt-BR'",
            field="language",
        )
    bounds = _price_bounds(request, key)
    result = Browse(
        channel_key=key,
        include_unpublished=request.include_unpublished,
        category_id=request.category_id,
        include_subcategories=request.include_subcategories,
        attributes=_attribute_filters(request.attribute_filters),
        min_price=bounds[0],
        max_price=bounds[1],
        query=query,
        sort=tuple(sort_keys(request.sort, bool(query))),
        language=request.language,
        statuses=_statuses(request.statuses),
    )
    if result.needs_price and key is None:
        raise InvalidArgument(
            "price filters and price sorts need a channel (prices are per channel)",
            reason="CHANNEL_REQUIRED",
            field="channel",
        )
    return result


def sort_keys(sort: int, has_query: bool) -> list[SortKey]:
    if sort == catalog_pb2.PRODUCT_SORT_UNSPECIFIED:
        return RELEVANCE if has_query else SORTS[catalog_pb2.PRODUCT_SORT_NEWEST]
    if sort not in SORTS:
        raise InvalidArgument(f"unknown sort {sort}", field="sort")
    return SORTS[sort]


def _price_bounds(
    request: catalog_pb2.ListProductsRequest, key: str | None
) -> tuple[Bound | None, Bound | None]:
    bounds: list[Bound | None] = []
    for name in ("min_price", "max_price"):
        if request.HasField(name):
            money = getattr(request, name)
            validate_money(money, name)
            bounds.append(Bound(money.amount_minor, money.currency_code))
        else:
            bounds.append(None)
    low, high = bounds
    if low and high:
        if low.currency_code != high.currency_code:
            raise InvalidArgument(
                "min_price and max_price must be in the same currency",
                field="max_price.currency_code",
            )
        if low.amount_minor > high.amount_minor:
            raise InvalidArgument(
                "max_price must not be below min_price", field="max_price.amount_minor"
            )
    return low, high


def _attribute_filters(
    filters: Sequence[catalog_pb2.AttributeFilter],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if len(filters) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidArgument(
            f"at most {MAX_ATTRIBUTE_FILTERS} attribute filters", field="attribute_filters"
        )
    result = []
    for index, item in enumerate(filters):
        field = f"attribute_filters[{index}]"
        if not ATTRIBUTE_KEY.match(item.key):
            raise InvalidArgument(
                f"attribute name {item.key!r} must be 1-64 letters, digits, '_' or '-'",
                field=f"{field}.key",
            )
        if not item.values or len(item.values) > MAX_FILTER_VALUES:
            raise InvalidArgument(
                f"an attribute filter needs 1-{MAX_FILTER_VALUES} values", field=f"{field}.values"
            )
        result.append((item.key, tuple(item.values)))
    return tuple(result)


def _statuses(statuses: Sequence[catalog_pb2.ProductStatus.ValueType]) -> tuple[str, ...]:
    if not statuses:
        return (catalog_pb2.ProductStatus.Name(catalog_pb2.PRODUCT_STATUS_ACTIVE),)
    for index, status in enumerate(statuses):
        if status == catalog_pb2.PRODUCT_STATUS_UNSPECIFIED or status not in (
            catalog_pb2.ProductStatus.values()
        ):
            raise InvalidArgument(f"unknown status {status}", field=f"statuses[{index}]")
    return tuple(sorted({catalog_pb2.ProductStatus.Name(status) for status in statuses}))
