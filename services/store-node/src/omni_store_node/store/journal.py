"""The sales journal: every sale committed (fsynced) here before its receipt, numbered gaplessly
per till in the same transaction, and its way to the centre (waiting, recorded, quarantined)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog

from omni_store_node.domain.payments import CardLimits, StoredCards, check_offline_card
from omni_store_node.domain.sales import Customer, Sale, SaleLine, SaleRefused
from omni_store_node.domain.shifts import check_sale_shift
from omni_store_node.store.shifts import shift_in
from omni_store_node.store.sqlite import immediate

if TYPE_CHECKING:
    from omni_store_node.store import LocalStore

log = structlog.get_logger(__name__)
WAITING = "waiting"
RECORDED = "recorded"
QUARANTINED = "quarantined"
# The centre refused the sale as malformed: kept for staff, never sent again by itself.
REFUSED = "refused"

JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS sales (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sale_id TEXT NOT NULL UNIQUE,
    till_id TEXT NOT NULL,
    till_number INTEGER NOT NULL,
    payload TEXT NOT NULL,
    tender TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    sold_at TEXT NOT NULL,
    sold_offline INTEGER NOT NULL,
    state TEXT NOT NULL,
    order_id TEXT NOT NULL DEFAULT '',
    UNIQUE (till_id, till_number)
);
CREATE INDEX IF NOT EXISTS sales_waiting ON sales (state, seq);
-- Each switch to offline (keyed by when the link went down), with the till and staff member
-- that sold first in it.
CREATE TABLE IF NOT EXISTS offline_switches (
    offline_since TEXT PRIMARY KEY,
    first_sale_id TEXT NOT NULL,
    till_id TEXT NOT NULL,
    staff_id TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Offline:
    """How a sale is kept while the link is down: since when, and the card limits then."""

    since: datetime
    card_limits: CardLimits


@dataclass(frozen=True)
class OfflineSwitch:
    offline_since: str
    first_sale_id: str
    till_id: str
    staff_id: str


@dataclass(frozen=True)
class Entry:
    """A journalled sale: the sale, its number at its till and where it stands."""

    sale: Sale
    till_number: int
    sold_offline: bool
    state: str
    order_id: str = ""


def payload_of(sale: Sale) -> str:
    """The sale as stored: canonical JSON, so the same sale always reads back the same."""
    data = asdict(sale)
    data["sold_at"] = sale.sold_at.isoformat()
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _sale(payload: str) -> Sale:
    data: dict[str, Any] = json.loads(payload)
    data["lines"] = tuple(SaleLine(**line) for line in data["lines"])
    data["customer"] = Customer(**data.get("customer", {}))
    data["sold_at"] = datetime.fromisoformat(data["sold_at"])
    return Sale(**data)


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        sale=_sale(row["payload"]),
        # A paper sale's stored number is negative: it has no till number.
        till_number=max(row["till_number"], 0),
        sold_offline=bool(row["sold_offline"]),
        state=row["state"],
        order_id=row["order_id"],
    )


class Journal:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    async def keep(self, sale: Sale, *, offline: Offline | None = None) -> tuple[Entry, bool]:
        """Commit the sale with the till's next number; (entry, False) when this sale_id was
        kept before with the same lines (a till's retry), refused when with others. Offline, a
        card sale beyond the limits is refused, checked in the same write as the sales it
        counts, and the first sale of each switch to offline logs its till and staff."""
        payload = payload_of(sale)

        def write(db: sqlite3.Connection) -> tuple[Entry, bool]:
            with immediate(db):
                row = db.execute("SELECT * FROM sales WHERE sale_id = ?", (sale.sale_id,))
                kept = row.fetchone()
                if kept is not None:
                    return _again(kept, sale), False
                if sale.shift_id:
                    check_sale_shift(shift_in(db, sale.shift_id), sale.shift_id, sale.till_id)
                if offline is not None:
                    check_offline_card(sale, offline.card_limits, _stored_cards(db, sale))
                    _log_switch(db, offline.since, sale)
                (last,) = db.execute(
                    """SELECT COALESCE(MAX(till_number), 0) FROM sales
                    WHERE till_id = ? AND till_number > 0""",
                    (sale.till_id,),
                ).fetchone()
                number = last + 1
                if sale.paper_receipt_number:
                    # Numbered by its paper receipt, not the till: stored negative, it takes
                    # none of the till's gapless numbers (and paper numbers are unique).
                    number = -sale.paper_receipt_number
                sold_offline = offline is not None or bool(sale.paper_receipt_number)
                db.execute(
                    """INSERT INTO sales (sale_id, till_id, till_number, payload, tender,
                    total_minor, currency, sold_at, sold_offline, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        sale.sale_id,
                        sale.till_id,
                        number,
                        payload,
                        sale.tender,
                        sale.total_minor,
                        sale.currency,
                        sale.sold_at.isoformat(),
                        int(sold_offline),
                        WAITING,
                    ),
                )
            return Entry(sale, max(number, 0), sold_offline, WAITING), True

        return await self.store.run(write)

    async def waiting(self, limit: int) -> list[Entry]:
        """The oldest sales not yet at the centre, in the order they were sold."""

        def read(db: sqlite3.Connection) -> list[Entry]:
            rows = db.execute(
                "SELECT * FROM sales WHERE state = ? ORDER BY seq LIMIT ?", (WAITING, limit)
            )
            return [_entry(row) for row in rows]

        return await self.store.run(read)

    async def settle(self, sale_id: str, state: str, order_id: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE sales SET state = ?, order_id = ? WHERE sale_id = ? AND state = ?",
                (state, order_id, sale_id, WAITING),
            )

        await self.store.run(write)

    async def get(self, sale_id: str) -> Entry | None:
        def read(db: sqlite3.Connection) -> Entry | None:
            row = db.execute("SELECT * FROM sales WHERE sale_id = ?", (sale_id,)).fetchone()
            return None if row is None else _entry(row)

        return await self.store.run(read)

    async def counts(self) -> dict[str, int]:
        """Sales per state."""

        def read(db: sqlite3.Connection) -> dict[str, int]:
            rows = db.execute("SELECT state, COUNT(*) AS n FROM sales GROUP BY state")
            counts = {WAITING: 0, RECORDED: 0, QUARANTINED: 0, REFUSED: 0}
            return counts | {r["state"]: r["n"] for r in rows}

        return await self.store.run(read)

    async def log_switch(self, since: datetime, sale: Sale) -> None:
        """A sale kept online whose forward found the link down: it made the switch."""

        def write(db: sqlite3.Connection) -> None:
            _log_switch(db, since, sale)

        await self.store.run(write)

    async def offline_switches(self) -> list[OfflineSwitch]:
        def read(db: sqlite3.Connection) -> list[OfflineSwitch]:
            rows = db.execute("SELECT * FROM offline_switches ORDER BY offline_since")
            return [OfflineSwitch(**dict(row)) for row in rows]

        return await self.store.run(read)


def _stored_cards(db: sqlite3.Connection, sale: Sale) -> StoredCards:
    """Card sales not yet at the centre, offline or not: a sale kept online whose forward found
    the link down is as unpaid as one sold offline."""
    total, oldest = db.execute(
        """SELECT COALESCE(SUM(total_minor), 0), MIN(sold_at) FROM sales
        WHERE state = ? AND tender = 'card' AND currency = ?""",
        (WAITING, sale.currency),
    ).fetchone()
    return StoredCards(total, datetime.fromisoformat(oldest) if oldest else None)


def _log_switch(db: sqlite3.Connection, since: datetime, sale: Sale) -> None:
    db.execute(
        "INSERT OR IGNORE INTO offline_switches VALUES (?, ?, ?, ?)",
        (since.isoformat(), sale.sale_id, sale.till_id, sale.staff_id),
    )


def _again(row: sqlite3.Row, sale: Sale) -> Entry:
    entry = _entry(row)
    kept = entry.sale
    if sale.paper_receipt_number:
        if _written(kept) != _written(sale):
            log.warning(
                "paper receipt keyed again with other content: refused",
                paper_receipt_number=sale.paper_receipt_number,
                sale_id=sale.sale_id,
            )
            raise SaleRefused(
                f"paper receipt {sale.paper_receipt_number} was keyed in before with other"
                " till, time, lines or tender",
                "paper_receipt_number",
                409,
            )
        return entry
    if (kept.till_id, kept.tender, kept.shift_id, _units(kept)) != (
        sale.till_id,
        sale.tender,
        sale.shift_id,
        _units(sale),
    ):
        raise SaleRefused(
            f"sale {sale.sale_id} was already sold with other lines, tender, till or shift",
            "sale_id",
            409,
        )
    return entry


def _written(sale: Sale) -> tuple[Any, ...]:
    """What a paper receipt says (who keyed it in does not count)."""
    lines = [(line.sku, line.quantity, line.unit_minor) for line in sale.lines]
    return (sale.till_id, sale.sold_at, sale.tender, sale.currency, lines, sale.card_token)


def _units(sale: Sale) -> list[tuple[str, int]]:
    return [(line.sku, line.quantity) for line in sale.lines]
