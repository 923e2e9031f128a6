"""The browse read model: one document per product per channel it is listed on, plus one for the
whole catalog (scope `*`), holding what a page shows (the product and the listing encoded as
the API sends them, by the `Wire` the API edge gives) and what it filters and sorts by.

Everything a list filters or sorts by is a string in one indexed array, `keys`:

    <shelf> \x1f <sort><level> \x1f <term> \x1f <sort value> \x1f <product id>

- shelf: scope and state: `SALES_CHANNEL_WEB|live` (published there, so active), or
  `<scope>|<status>` for what is listed but not published and for the catalog scope;
- sort: `n` name, `c` newest, `u` recently updated, `p` effective price (channel documents,
  currency first);
- term: `all`, `c:<category id>` (the product's categories and their ancestors),
  `a:<key>=<folded value>` (product and variant attributes), and on catalog documents the
  search words, by name: `n:<word>` (in a name or the brand), `o:<word>` (SKUs, attribute
  values). The term comes after the sort, so all words starting with some letters are one
  range too (type-ahead needs no stored prefixes).

A catalog document carries name, newest and updated keys for every term, and its words,
and the price in force on each channel; a channel document carries name, newest, updated and
price keys for every term. So a channel's list in any order reads the channel's own range:
every key read belongs to a product the channel lists, however many products the channel does
not sell (a marketplace channel listing a tenth of the catalog reads no more than the web).

So every page of every filter and sort is one range of one index, and the sort value ending in
the product id is itself the keyset cursor.

Fences: a page needs the next few keys after a cursor. MongoDB stops an index scan at the
query's limit, but a store that materialises the whole range first (the dev store does) would
read every key after the cursor. So about one product in 16 also writes its keys at level 1
(sort code `n1`, `p1`...), one in 256 at level 2, and so on (chosen by a hash of the product
id, so no writer coordinates with another). A reader finds how far the next page reaches by
walking down the levels, each read bounded by the level above (see browse.py), like a skip
list: a page costs a few small reads, whatever the size of the catalog."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bson import Binary

from omni_catalog.domain import products
from omni_catalog.domain.categories import Category
from omni_catalog.domain.channels import channel_key
from omni_catalog.domain.listings import (
    ChannelListing,
    effective_price,
    effective_prices,
    next_flip,
)
from omni_catalog.domain.products import Product, ProductStatus
from omni_catalog.domain.search import Words, folded_value, product_words
from omni_kit.text import words

COLLECTION = "browse"
SEP = "\x1f"
FANOUT = 16
LEVELS = 4
CATALOG = "*"
LIVE = "live"
ALL = "all"
NAME, PRICE, NEWEST, UPDATED = "n", "p", "c", "u"
CATALOG_SORTS = (NAME, NEWEST, UPDATED)
CHANNEL_SORTS = (*CATALOG_SORTS, PRICE)
MAX_NAME_KEY = 48
ACTIVE = ProductStatus.ACTIVE
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Short spellings inside keys (every key repeats its shelf).
_STATES = {
    LIVE: "L",
    ACTIVE: "A",
    ProductStatus.DRAFT: "D",
    ProductStatus.ARCHIVED: "X",
}


class Wire(Protocol):
    """Encodes a product and a listing as a page shows them (the API edge's messages)."""

    def product(self, product: Product, /) -> bytes: ...

    def listing(self, listing: ChannelListing, /) -> bytes: ...


def shelf(scope: str, state: ProductStatus | str) -> str:
    """A scope and a state (LIVE or a product status) as keys spell them: `WEB|L`, `*|A`."""
    return f"{scope.removeprefix('SALES_CHANNEL_')}|{_STATES[state]}"


def prefix(shelf_name: str, term: str, sort: str, level: int = 0) -> str:
    """The key prefix of one (shelf, sort, term) range, or of its fences at `level`."""
    return f"{shelf_name}{SEP}{sort}{level or ''}{SEP}{term}{SEP}"


def words_prefix(shelf_name: str, kind: str, start: str, level: int = 0) -> str:
    """The key prefix of every `kind` word beginning with `start` (in name order per word)."""
    return f"{shelf_name}{SEP}{NAME}{level or ''}{SEP}{kind}:{start}"


def end_of(range_prefix: str) -> str:
    """A bound above every key of the range `range_prefix` (a prefix ending with SEP covers one
    term; any other covers every term it begins)."""
    if range_prefix.endswith(SEP):
        return range_prefix[:-1] + chr(ord(SEP) + 1)
    return range_prefix + "\U0010ffff"


def fence_level(product_id: str) -> int:
    """0 for most products; l with probability FANOUT**-l (at most LEVELS)."""
    digest = hashlib.blake2b(product_id.encode(), digest_size=4).digest()
    value = int.from_bytes(digest, "big")
    level = 0
    while level < LEVELS and value % FANOUT == 0:
        value //= FANOUT
        level += 1
    return level


def with_fences(keys: list[tuple[str, str, str, str]], level: int) -> list[str]:
    """(shelf, term, sort, suffix) keys as strings, each also at every fence level up to
    `level`."""
    return [
        prefix(place, term, sort, at) + value
        for place, term, sort, value in keys
        for at in range(level + 1)
    ]


def category_term(category_id: str) -> str:
    return f"c:{category_id}"


def attribute_term(key: str, value: str) -> str:
    return f"a:{key}={folded_value(value)}"


def word_term(kind: str, word: str) -> str:
    return f"{kind}:{word}"


def name_value(product: Product) -> str:
    return " ".join(words(products.name(product)))[:MAX_NAME_KEY]


def price_value(currency: str, amount: int) -> str:
    return f"{currency}{amount:019d}"


def time_value(moment: datetime) -> str:
    return f"{round(moment.timestamp() * 1000):014d}"


def suffix(value: str, product_id: str) -> str:
    return f"{value}{SEP}{product_id}"


def document_id(product_id: str, scope: str) -> str:
    return f"{product_id}@{scope}"


@dataclass(frozen=True)
class Price:
    amount: int
    currency: str
    on_sale: bool
    flips_at: datetime | None


def price_at(listing: ChannelListing, now: datetime) -> Price:
    """The price in force at `now`, and when it next changes by itself."""
    price = effective_price(listing, now)
    return Price(price.amount_minor, price.currency, price.on_sale, next_flip(listing, now))


def in_force(listing: ChannelListing, now: datetime) -> list[list[Any]]:
    """Every price in force at `now` as `[sku, currency, amount]` (the product's, sku empty, and
    each variant's), so a flip can tell whether it changed any (sale_windows.py)."""
    return [[sku, p.currency, p.amount_minor] for sku, p in effective_prices(listing, now)]


def categories_of(product: Product, categories: Mapping[str, Category]) -> list[str]:
    """The product's categories and all their ancestors."""
    found: dict[str, None] = {}
    for category_id in product.category_ids:
        category = categories.get(category_id)
        if category is not None:
            found.update(dict.fromkeys(category.ancestor_ids))
        found[category_id] = None
    return list(found)


def attributes_of(product: Product) -> list[str]:
    pairs = dict.fromkeys(
        f"{key}={folded_value(value)}" for key, value in product.attributes.items()
    )
    for variant in product.variants:
        pairs.update(dict.fromkeys(f"{k}={folded_value(v)}" for k, v in variant.attributes.items()))
    return list(pairs)


def documents(
    product: Product,
    listings: Sequence[ChannelListing],
    categories: Mapping[str, Category],
    now: datetime,
    wire: Wire,
) -> list[dict[str, Any]]:
    """Every browse document of `product`: its catalog document, then one per listing."""
    status = product.status or ProductStatus.DRAFT  # a stored product always has one
    cats = categories_of(product, categories)
    attrs = attributes_of(product)
    terms = [ALL, *(category_term(c) for c in cats), *(f"a:{pair}" for pair in attrs)]
    name = name_value(product)
    created = time_value(product.created_at or EPOCH)
    updated = time_value(product.updated_at or EPOCH)
    blob = Binary(wire.product(product))
    common = {
        "product_id": product.id,
        "name": name,
        "cats": cats,
        "own_cats": list(product.category_ids),
        "attrs": attrs,
        "product": blob,
    }
    words = product_words(product)
    level = fence_level(product.id)
    keys = with_fences(
        _catalog_keys(shelf(CATALOG, status), terms, words, product.id, name, created, updated),
        level,
    )
    live = [channel_key(listing.channel) for listing in listings if listing.published]
    prices = {}
    shown = {}
    for listing in listings:
        price = price_at(listing, now)
        prices[channel_key(listing.channel)] = {"c": price.currency, "a": price.amount}
        shown[channel_key(listing.channel)] = Binary(wire.listing(listing))
    catalog_doc = {
        "_id": document_id(product.id, CATALOG),
        "scope": CATALOG,
        "shelf": shelf(CATALOG, status),
        "keys": keys,
        "created": created,
        "updated": updated,
        "words": {"n": list(words.name), "o": list(words.other), "s": list(words.skus)},
        "live": live,
        "listed": [channel_key(listing.channel) for listing in listings],
        # The price in force on each channel, for price filters and sorts of catalog reads, and
        # each listing, so a page read from the catalog needs no second read.
        "prices": prices,
        "listings": shown,
        "stamp": _stamp(product, listings),
        **common,
    }
    result = [catalog_doc]
    for listing in listings:
        scope = channel_key(listing.channel)
        state = LIVE if listing.published and status is ACTIVE else status
        place = shelf(scope, state)
        price = price_at(listing, now)
        values = {
            NAME: name,
            NEWEST: created,
            UPDATED: updated,
            PRICE: price_value(price.currency, price.amount),
        }
        channel_doc: dict[str, Any] = {
            "_id": document_id(product.id, scope),
            "scope": scope,
            "shelf": place,
            "keys": with_fences(
                [
                    (place, term, sort, suffix(values[sort], product.id))
                    for term in terms
                    for sort in CHANNEL_SORTS
                ],
                level,
            ),
            "created": created,
            "updated": updated,
            "price": price.amount,
            "currency": price.currency,
            "on_sale": price.on_sale,
            "in_force": in_force(listing, now),
            "listing": Binary(wire.listing(listing)),
            "stamp": _stamp(product, [listing]),
            **common,
        }
        if price.flips_at is not None:
            channel_doc["flip_at"] = price.flips_at
        result.append(channel_doc)
    return result


def _catalog_keys(
    place: str,
    terms: list[str],
    words: Words,
    product_id: str,
    name: str,
    created: str,
    updated: str,
) -> list[tuple[str, str, str, str]]:
    by_name = suffix(name, product_id)
    values = {NAME: name, NEWEST: created, UPDATED: updated}
    keys = [
        (place, term, sort, suffix(values[sort], product_id))
        for term in terms
        for sort in CATALOG_SORTS
    ]
    keys += [(place, word_term("n", w), NAME, by_name) for w in words.name]
    keys += [(place, word_term("o", w), NAME, by_name) for w in words.other]
    return keys


def _stamp(product: Product, listings: Sequence[ChannelListing]) -> int:
    """Grows with every change of the product or its listings: a rebuild never overwrites a
    document written from newer data."""
    return product.version * 1_000_000 + sum(listing.version for listing in listings)


def sort_value(document: dict[str, Any], sort: str) -> str:
    """The suffix `document` has under `sort` (recomputed from its fields, so `keys` need not be
    read back)."""
    if sort == NAME:
        value = document["name"]
    elif sort == PRICE:
        value = price_value(document["currency"], document["price"])
    elif sort == NEWEST:
        value = document["created"]
    else:
        value = document["updated"]
    return suffix(value, document["product_id"])
