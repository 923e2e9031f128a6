"""A row of a product file: one variant of a product with the product's own fields, its channel
prices and its stock per location (docs/api.md#bulk-import-and-export).

The same row reads from a JSON object (JSON Lines) or a CSV record, and writes back to either,
so an export imports again to no change. CSV cells that hold several values list them with `|`
(`/women|/sale`) and pairs as `key=value` (`colour=white|size=M`); a `\\` escapes `|`, `=` and
itself inside a key or a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

COLUMNS = (
    "slug",
    "status",
    "brand",
    "language",
    "name",
    "description",
    "categories",
    "attributes",
    "sku",
    "options",
    "barcode",
    "weight_grams",
    "prices",
    "stock",
)
REQUIRED_COLUMNS = ("slug", "sku", "name")
STATUSES = ("draft", "active", "archived")
CHANNELS = ("web", "app", "pos", "social", "messenger", "phone")
CURRENCY = re.compile(r"^[A-Z]{3}$")
PARTNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TEXT = 10_000
MAX_QUANTITY = 10_000_000
UNPUBLISHED = "unpublished"


class RowError(Exception):
    """What is wrong with a row: the field (a column, or a column and a key) and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Price:
    amount_minor: int
    currency: str
    published: bool = True


@dataclass
class ProductRow:
    slug: str
    sku: str
    name: str
    status: str = "active"
    brand: str = ""
    language: str = "en"
    description: str = ""
    categories: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    barcode: str = ""
    weight_grams: int = 0
    prices: dict[str, Price] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)

    def product_fields(self) -> tuple[Any, ...]:
        """What every row of one product must agree on (PRODUCT_FIELDS)."""
        return tuple(getattr(self, name) for name in PRODUCT_FIELDS)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["prices"] = {k: asdict(v) for k, v in self.prices.items()}
        return data

    def to_csv(self) -> list[str]:
        return [
            self.slug,
            self.status,
            self.brand,
            self.language,
            self.name,
            self.description,
            join_list(self.categories),
            join_pairs(self.attributes),
            self.sku,
            join_pairs(self.options),
            self.barcode,
            str(self.weight_grams),
            join_pairs({k: price_cell(p) for k, p in self.prices.items()}),
            join_pairs({k: str(v) for k, v in self.stock.items()}),
        ]


PRODUCT_FIELDS = (
    "status",
    "brand",
    "language",
    "name",
    "description",
    "categories",
    "attributes",
    "prices",
)


def from_json(data: Any) -> ProductRow:
    """A JSON Lines object as a row."""
    if not isinstance(data, dict):
        raise RowError("", "each line must be a JSON object")
    unknown = sorted(set(data) - set(COLUMNS))
    if unknown:
        raise RowError(unknown[0], f"unknown field (known: {', '.join(COLUMNS)})")
    text = {k: _text(data, k) for k in ("slug", "sku", "name", "brand", "description", "barcode")}
    return _checked(
        ProductRow(
            **text,
            status=_text(data, "status") or "active",
            language=_text(data, "language") or "en",
            categories=_strings(data.get("categories", []), "categories"),
            attributes=_mapping(data.get("attributes", {}), "attributes"),
            options=_mapping(data.get("options", {}), "options"),
            weight_grams=_count(data.get("weight_grams", 0), "weight_grams", 1_000_000),
            prices={
                channel: _json_price(value, f"prices.{channel}")
                for channel, value in _object(data.get("prices", {}), "prices").items()
            },
            stock={
                code: _count(value, f"stock.{code}", MAX_QUANTITY)
                for code, value in _object(data.get("stock", {}), "stock").items()
            },
        )
    )


def check_header(header: list[str]) -> str | None:
    """What is wrong with a CSV header, if anything."""
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        return f"unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})"
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return f"column {missing[0]!r} is missing"
    if len(set(header)) != len(header):
        return "a column appears twice"
    return None


def from_csv(record: Mapping[str, str]) -> ProductRow:
    """A CSV record (keyed by the header's columns) as a row."""
    cell = {name: record.get(name, "").strip() for name in COLUMNS}
    weight = cell["weight_grams"] or "0"
    if not weight.isdigit():
        raise RowError("weight_grams", f"{weight!r} is not a whole number of grams")
    return _checked(
        ProductRow(
            slug=cell["slug"],
            sku=cell["sku"],
            name=cell["name"],
            status=cell["status"] or "active",
            brand=cell["brand"],
            language=cell["language"] or "en",
            description=record.get("description", ""),
            categories=split_list(cell["categories"]),
            attributes=split_pairs(cell["attributes"], "attributes"),
            options=split_pairs(cell["options"], "options"),
            barcode=cell["barcode"],
            weight_grams=_count(int(weight), "weight_grams", 1_000_000),
            prices={
                channel: _cell_price(value, f"prices.{channel}")
                for channel, value in split_pairs(cell["prices"], "prices").items()
            },
            stock={
                code: _cell_quantity(value, f"stock.{code}")
                for code, value in split_pairs(cell["stock"], "stock").items()
            },
        )
    )


def _checked(row: ProductRow) -> ProductRow:
    """What the gateway checks itself; the catalog checks the rest (slugs, SKUs, languages,
    attributes) and refuses the product's rows naming the field."""
    for name in ("slug", "sku", "name"):
        if not getattr(row, name).strip():
            raise RowError(name, "required")
    if row.status not in STATUSES:
        raise RowError("status", f"{row.status!r} is not one of {', '.join(STATUSES)}")
    if len(row.description) > MAX_TEXT:
        raise RowError("description", f"longer than {MAX_TEXT} characters")
    for path in row.categories:
        if not path.startswith("/") or "" in path[1:].split("/"):
            raise RowError("categories", f"{path!r} is not a category path such as /women/shoes")
    for channel, price in row.prices.items():
        where = f"prices.{channel}"
        name, _, partner = channel.partition(":")
        known = name in CHANNELS and not partner
        if not known and not (name == "marketplace" and PARTNER.match(partner)):
            raise RowError(where, f"unknown channel (one of {', '.join(CHANNELS)}, marketplace:ID)")
        if not CURRENCY.match(price.currency):
            raise RowError(where, f"{price.currency!r} is not an ISO 4217 code such as EUR")
        if price.published and row.status != "active":
            raise RowError(where, "only an active product can be published")
    return row


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise RowError(name, "must be a string")
    return value.strip() if name != "description" else value


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RowError(name, "must be an object")
    return value


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RowError(name, "must be a list of strings")
    return [v.strip() for v in value]


def _mapping(value: Any, name: str) -> dict[str, str]:
    pairs = _object(value, name)
    for key, item in pairs.items():
        if not isinstance(item, str):
            raise RowError(f"{name}.{key}", "must be a string")
    return dict(pairs)


def _count(value: Any, name: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise RowError(name, f"must be a whole number from 0 to {most}")
    return value


def _json_price(value: Any, name: str) -> Price:
    price = _object(value, name)
    unknown = sorted(set(price) - {"amount_minor", "currency", "published"})
    if unknown:
        raise RowError(f"{name}.{unknown[0]}", "unknown field (amount_minor, currency, published)")
    published = price.get("published", True)
    if not isinstance(published, bool):
        raise RowError(f"{name}.published", "must be true or false")
    currency = price.get("currency")
    if not isinstance(currency, str):
        raise RowError(f"{name}.currency", "required: an ISO 4217 code such as EUR")
    amount = _count(price.get("amount_minor"), f"{name}.amount_minor", 2**53)
    return Price(amount, currency, published)


def _cell_price(value: str, name: str) -> Price:
    parts = value.split()
    if len(parts) not in (2, 3) or not parts[0].isdigit() or parts[2:] not in ([], [UNPUBLISHED]):
        raise RowError(name, f"{value!r} is not '<amount in minor units> <currency>' ('1999 EUR')")
    return Price(int(parts[0]), parts[1], published=len(parts) == 2)


def _cell_quantity(value: str, name: str) -> int:
    if not value.isdigit():
        raise RowError(name, f"{value!r} is not a whole number of units")
    return _count(int(value), name, MAX_QUANTITY)


def price_cell(price: Price) -> str:
    cell = f"{price.amount_minor} {price.currency}"
    return cell if price.published else f"{cell} {UNPUBLISHED}"


def _escape(text: str, special: str) -> str:
    for char in "\\" + special:
        text = text.replace(char, "\\" + char)
    return text


def _split(text: str, separator: str) -> list[str]:
    """Split on the separators no backslash escapes, keeping escapes in the parts."""
    parts, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current + ("\\" if escaped else ""))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def split_list(cell: str) -> list[str]:
    return [_unescape(part).strip() for part in _split(cell, "|")] if cell else []


def join_list(items: list[str]) -> str:
    return "|".join(_escape(item, "|") for item in items)


def split_pairs(cell: str, name: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in _split(cell, "|") if cell else []:
        pieces = _split(part, "=")
        if len(pieces) < 2 or not pieces[0].strip():
            raise RowError(name, f"{_unescape(part)!r} is not key=value")
        key = _unescape(pieces[0]).strip()
        if key in pairs:
            raise RowError(f"{name}.{key}", "appears twice")
        pairs[key] = _unescape("=".join(pieces[1:])).strip()
    return pairs


def join_pairs(pairs: Mapping[str, str]) -> str:
    return "|".join(f"{_escape(k, '|=')}={_escape(v, '|')}" for k, v in pairs.items())
