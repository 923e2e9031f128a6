"""Browse and search: what a product list request may ask for, and its sort order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omni.catalog.v1 import catalog_pb2
from omni_catalog.domain.listings import channel_key, validate_money
from omni_catalog.domain.products import ATTRIBUTE_KEY, LANGUAGE
from omni_catalog.domain.search import Query, parse_query
from omni_kit.errors import InvalidArgument

MAX_QUERY = 200
MAX_ATTRIBUTE_FILTERS = 20
MAX_FILTER_VALUES = 50

# Sort codes (the read model's) and whether the list runs from the top down.
NAME, PRICE, NEWEST, UPDATED, RELEVANCE = "n", "p", "c", "u", "r"
SORTS: dict[int, tuple[str, bool]] = {
    catalog_pb2.PRODUCT_SORT_NAME_ASC: (NAME, False),
    catalog_pb2.PRODUCT_SORT_NAME_DESC: (NAME, True),
    catalog_pb2.PRODUCT_SORT_PRICE_ASC: (PRICE, False),
    catalog_pb2.PRODUCT_SORT_PRICE_DESC: (PRICE, True),
    catalog_pb2.PRODUCT_SORT_NEWEST: (NEWEST, True),
    catalog_pb2.PRODUCT_SORT_RECENTLY_UPDATED: (UPDATED, True),
}


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
    query: Query
    sort: str
    descending: bool
    language: str
    statuses: tuple[str, ...]
    include_facets: bool = False

    @property
    def needs_price(self) -> bool:
        return self.min_price is not None or self.max_price is not None or self.sort == PRICE

    @property
    def searching(self) -> bool:
        return bool(self.query.words)

    @property
    def currency(self) -> str | None:
        bound = self.min_price or self.max_price
        return bound.currency_code if bound else None


def browse(request: catalog_pb2.ListProductsRequest) -> Browse:
    """The validated meaning of a ListProducts request (paging aside)."""
    key = channel_key(request.channel) if request.HasField("channel") else None
    if len(request.query) > MAX_QUERY:
        raise InvalidArgument(
            f"query must be at most {MAX_QUERY} characters (got {len(request.query)})",
            reason="QUERY_TOO_LONG",
            field="query",
        )
    if request.language and not LANGUAGE.match(request.language):
        raise InvalidArgument(
            f"language {request.language!r} must be a tag such as 'en' or 'pt-BR'",
            field="language",
        )
    bounds = _price_bounds(request, key)
    query = parse_query(request.query)
    sort, descending = sort_of(request.sort, bool(query.words))
    result = Browse(
        channel_key=key,
        include_unpublished=request.include_unpublished,
        category_id=request.category_id,
        include_subcategories=request.include_subcategories,
        attributes=_attribute_filters(request.attribute_filters),
        min_price=bounds[0],
        max_price=bounds[1],
        query=query,
        sort=sort,
        descending=descending,
        language=request.language,
        statuses=_statuses(request.statuses),
        include_facets=request.include_facets,
    )
    if result.needs_price and key is None:
        raise InvalidArgument(
            "price filters and price sorts need a channel (prices are per channel)",
            reason="CHANNEL_REQUIRED",
            field="channel",
        )
    return result


def sort_of(sort: int, searching: bool) -> tuple[str, bool]:
    """(sort code, descending): relevance for a search without a sort, else newest first."""
    if sort == catalog_pb2.PRODUCT_SORT_UNSPECIFIED:
        return (RELEVANCE, False) if searching else SORTS[catalog_pb2.PRODUCT_SORT_NEWEST]
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
