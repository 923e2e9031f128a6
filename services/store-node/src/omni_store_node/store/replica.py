"""The store's copy of the centre's catalog and prices: what the tills sell from, offline too."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from omni_store_node.domain.payments import CardLimits
from omni_store_node.domain.sales import Price
from omni_store_node.store.sqlite import immediate

if TYPE_CHECKING:
    from omni_store_node.store import LocalStore

REPLICA_SCHEMA = """
CREATE TABLE IF NOT EXISTS prices (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    name TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    listing_version INTEGER NOT NULL,
    refreshed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replica_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class Replica:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    async def prices(self, skus: Iterable[str]) -> dict[str, Price]:
        wanted = sorted(set(skus))

        def read(db: sqlite3.Connection) -> dict[str, Price]:
            marks = ",".join("?" * len(wanted))
            rows = db.execute(f"SELECT * FROM prices WHERE sku IN ({marks})", wanted)  # noqa: S608 - placeholders only
            return {row["sku"]: _price(row) for row in rows}

        return await self.store.run(read) if wanted else {}

    async def replace_all(self, prices: list[Price]) -> None:
        """The whole store's prices, as loaded from the centre now (SKUs no longer sold go)."""
        now = datetime.now(UTC).isoformat()

        def write(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM prices")
                _insert(db, prices, now)
                db.execute("INSERT OR REPLACE INTO replica_state VALUES ('loaded_at', ?)", (now,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

        await self.store.run(write)

    async def apply(self, prices: list[Price], gone: Iterable[str] = ()) -> None:
        """Prices the centre changed: newer listing versions replace older ones, never back."""
        now = datetime.now(UTC).isoformat()
        removed = list(gone)

        def write(db: sqlite3.Connection) -> None:
            with immediate(db):
                db.executemany("DELETE FROM prices WHERE sku = ?", [(sku,) for sku in removed])
                _insert(db, prices, now)

        await self.store.run(write)

    async def card_limits(self) -> CardLimits | None:
        """The store's offline card limits as the centre last sent them (None: none sent)."""

        def read(db: sqlite3.Connection) -> CardLimits | None:
            row = db.execute("SELECT value FROM replica_state WHERE key = 'card_limits'").fetchone()
            return CardLimits(**json.loads(row["value"])) if row else None

        return await self.store.run(read)

    async def keep_card_limits(self, limits: CardLimits | None) -> None:
        def write(db: sqlite3.Connection) -> None:
            if limits is None:
                db.execute("DELETE FROM replica_state WHERE key = 'card_limits'")
            else:
                db.execute(
                    "INSERT OR REPLACE INTO replica_state VALUES ('card_limits', ?)",
                    (json.dumps(asdict(limits), sort_keys=True),),
                )

        await self.store.run(write)

    async def paper_blocks(self) -> list[tuple[int, int]]:
        """The store's paper receipt blocks (first, last) as the centre last sent them."""

        def read(db: sqlite3.Connection) -> list[tuple[int, int]]:
            row = db.execute(
                "SELECT value FROM replica_state WHERE key = 'paper_blocks'"
            ).fetchone()
            return [(first, last) for first, last in json.loads(row["value"])] if row else []

        return await self.store.run(read)

    async def keep_paper_blocks(self, blocks: list[tuple[int, int]]) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO replica_state VALUES ('paper_blocks', ?)",
                (json.dumps(sorted(blocks)),),
            )

        await self.store.run(write)

    async def loaded_at(self) -> str:
        def read(db: sqlite3.Connection) -> str:
            row = db.execute("SELECT value FROM replica_state WHERE key = 'loaded_at'").fetchone()
            return row["value"] if row else ""

        return await self.store.run(read)


def _insert(db: sqlite3.Connection, prices: list[Price], now: str) -> None:
    db.executemany(
        """INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, name = excluded.name,
            amount_minor = excluded.amount_minor, currency = excluded.currency,
            listing_version = excluded.listing_version, refreshed_at = excluded.refreshed_at
        WHERE excluded.listing_version >= prices.listing_version""",
        [
            (p.sku, p.product_id, p.name, p.amount_minor, p.currency, p.listing_version, now)
            for p in prices
        ],
    )


def _price(row: sqlite3.Row) -> Price:
    return Price(
        sku=row["sku"],
        product_id=row["product_id"],
        name=row["name"],
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        listing_version=row["listing_version"],
    )
