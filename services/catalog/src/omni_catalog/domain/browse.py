"""Browse and search: what a product list request may ask for, and its sort order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from omni_catalog.domain.channels import Channel, channel_key
from omni_catalog.domain.money import Money, validate_money
from omni_catalog.domain.products import ATTRIBUTE_KEY, LANGUAGE, ProductStatus
from omni_catalog.domain.search import Query, parse_query
from omni_kit.errors import InvalidArgument

MAX_QUERY = 200
MAX_ATTRIBUTE_FILTERS = 20
MAX_FILTER_VALUES = 50


class ProductSort(Enum):
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    # Price sorts need a channel; they use the effective (sale) price.
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    RECENTLY_UPDATED = "recently_updated"


# Sort codes (the read model's) and whether the list runs from the top down.
NAME, PRICE, NEWEST, UPDATED, RELEVANCE = "n", "p", "c", "u", "r"
SORTS: dict[ProductSort, tuple[str, bool]] = {
    ProductSort.NAME_ASC: (NAME, False),
    ProductSort.NAME_DESC: (NAME, True),
    ProductSort.PRICE_ASC: (PRICE, False),
    ProductSort.PRICE_DESC: (PRICE, True),
    ProductSort.NEWEST: (NEWEST, True),
    ProductSort.RECENTLY_UPDATED: (UPDATED, True),
}


@dataclass(frozen=True)
class Wanted:
    """A ListProducts request as the caller gave it (paging aside)."""

    channel: Channel | None = None
    include_unpublished: bool = False
    category_id: str = ""
    include_subcategories: bool = False
    attribute_filters: Sequence[tuple[str, Sequence[str]]] = ()
    min_price: Money | None = None
    max_price: Money | None = None
    query: str = ""
    sort: ProductSort | None = None
    language: str = ""
    statuses: Sequence[ProductStatus] = ()
    include_facets: bool = False


@dataclass(frozen=True)
class PriceBand:
    min: Money
    # None for the top band.
    max: Money | None
    count: int


@dataclass(frozen=True)
class Facets:
    """Counts over the matching products: (value, count) pairs, the most common first, for
    category ids and each attribute's values, and price bands; `counted` products were counted
    and `complete` says whether that was all of them."""

    categories: tuple[tuple[str, int], ...]
    attributes: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    price_bands: tuple[PriceBand, ...]
    counted: int
    complete: bool


@dataclass(frozen=True)
class Browse:
    channel_key: str | None
    include_unpublished: bool
    category_id: str
    include_subcategories: bool
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    min_price: Money | None
    max_price: Money | None
    query: Query
    sort: str
    descending: bool
    language: str
    statuses: tuple[ProductStatus, ...]
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
        return bound.currency if bound else None


def browse(request: Wanted) -> Browse:
    """The validated meaning of a ListProducts request (paging aside)."""
    key = channel_key(request.channel) if request.channel is not None else None
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
    bounds = _price_bounds(request)
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


def sort_of(sort: ProductSort | None, searching: bool) -> tuple[str, bool]:
    """(sort code, descending): relevance for a search without a sort, else newest first."""
    if sort is None:
        return (RELEVANCE, False) if searching else SORTS[ProductSort.NEWEST]
    return SORTS[sort]


def _price_bounds(request: Wanted) -> tuple[Money | None, Money | None]:
    low, high = request.min_price, request.max_price
    if low is not None:
        validate_money(low, "min_price")
    if high is not None:
        validate_money(high, "max_price")
    if low and high:
        if low.currency != high.currency:
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
    filters: Sequence[tuple[str, Sequence[str]]],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if len(filters) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidArgument(
            f"at most {MAX_ATTRIBUTE_FILTERS} attribute filters", field="attribute_filters"
        )
    result = []
    for index, (key, values) in enumerate(filters):
        field = f"attribute_filters[{index}]"
        if not ATTRIBUTE_KEY.match(key):
            raise InvalidArgument(
                f"attribute name {key!r} must be 1-64 letters, digits, '_' or '-'",
                field=f"{field}.key",
            )
        if not values or len(values) > MAX_FILTER_VALUES:
            raise InvalidArgument(
                f"an attribute filter needs 1-{MAX_FILTER_VALUES} values", field=f"{field}.values"
            )
        result.append((key, tuple(values)))
    return tuple(result)


def _statuses(statuses: Sequence[ProductStatus]) -> tuple[ProductStatus, ...]:
    """The statuses a list shows (active by default), each once, in one order."""
    if not statuses:
        return (ProductStatus.ACTIVE,)
    return tuple(sorted(set(statuses), key=lambda status: status.name))
