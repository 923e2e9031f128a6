"""Till shifts in the node's SQLite file: opened and closed here (durable like the sales, so it
works offline), and each open and close forwarded to the centre in turn (waiting, recorded)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from omni_kit.shifts import TenderTotal
from omni_store_node.domain.sales import SaleRefused
from omni_store_node.domain.shifts import Shift
from omni_store_node.store.sqlite import immediate

if TYPE_CHECKING:
    from omni_store_node.store import LocalStore

WAITING = "waiting"

SHIFTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS shifts (
    shift_id TEXT PRIMARY KEY,
    till_id TEXT NOT NULL,
    business_day TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    float_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT NOT NULL DEFAULT '',
    counted_cash_minor INTEGER,
    -- Where the open and the close stand on their way to the centre ('' : no close yet).
    open_state TEXT NOT NULL,
    close_state TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_shift_per_till ON shifts (till_id)
    WHERE closed_at IS NULL;
"""


def shift_in(db: sqlite3.Connection, shift_id: str) -> Shift | None:
    """The shift with its sales by tender, read in the caller's transaction."""
    row = db.execute("SELECT * FROM shifts WHERE shift_id = ?", (shift_id,)).fetchone()
    if row is None:
        return None
    tenders = db.execute(
        # A sale's shift is in its canonical payload.
        """SELECT tender, COUNT(*), SUM(total_minor) FROM sales
        WHERE json_extract(payload, '$.shift_id') = ? GROUP BY tender""",
        (shift_id,),
    )
    closed_at = row["closed_at"]
    return Shift(
        shift_id=row["shift_id"],
        till_id=row["till_id"],
        business_day=row["business_day"],
        opened_at=datetime.fromisoformat(row["opened_at"]),
        opened_by=row["opened_by"],
        float_minor=row["float_minor"],
        currency=row["currency"],
        closed_at=datetime.fromisoformat(closed_at) if closed_at else None,
        closed_by=row["closed_by"],
        counted_cash_minor=row["counted_cash_minor"],
        tenders={tender: TenderTotal(n, amount) for tender, n, amount in tenders},
    )


class Shifts:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    async def open(self, shift: Shift) -> tuple[Shift, bool]:
        """(shift, True) opened now; (kept, False) for the same open sent again. A till has one
        open shift at a time."""

        def write(db: sqlite3.Connection) -> tuple[Shift, bool]:
            with immediate(db):
                kept = shift_in(db, shift.shift_id)
                if kept is not None:
                    if (kept.till_id, kept.float_minor, kept.currency) != (
                        shift.till_id,
                        shift.float_minor,
                        shift.currency,
                    ):
                        raise SaleRefused(
                            f"shift {shift.shift_id} was opened with another till or float",
                            "shift_id",
                            409,
                        )
                    return kept, False
                busy = db.execute(
                    "SELECT shift_id FROM shifts WHERE till_id = ? AND closed_at IS NULL",
                    (shift.till_id,),
                ).fetchone()
                if busy is not None:
                    raise SaleRefused(
                        f"till {shift.till_id} has shift {busy[0]} open: close it first",
                        "till_id",
                        409,
                    )
                db.execute(
                    """INSERT INTO shifts (shift_id, till_id, business_day, opened_at, opened_by,
                    float_minor, currency, open_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        shift.shift_id,
                        shift.till_id,
                        shift.business_day,
                        shift.opened_at.isoformat(),
                        shift.opened_by,
                        shift.float_minor,
                        shift.currency,
                        WAITING,
                    ),
                )
            return shift, True

        return await self.store.run(write)

    async def close(
        self, shift_id: str, staff_id: str, counted_cash_minor: int, now: datetime
    ) -> Shift:
        """Closed in the same lock as sales are kept: no sale enters it after."""

        def write(db: sqlite3.Connection) -> Shift:
            with immediate(db):
                kept = shift_in(db, shift_id)
                if kept is None:
                    raise SaleRefused(f"no shift {shift_id!r} at this store", "shift_id", 404)
                if kept.closed_at is not None:
                    raise SaleRefused(f"shift {shift_id} is closed already", "shift_id", 409)
                db.execute(
                    """UPDATE shifts SET closed_at = ?, closed_by = ?, counted_cash_minor = ?,
                    close_state = ? WHERE shift_id = ?""",
                    (now.isoformat(), staff_id, counted_cash_minor, WAITING, shift_id),
                )
                closed = shift_in(db, shift_id)
            assert closed is not None
            return closed

        return await self.store.run(write)

    async def get(self, shift_id: str) -> Shift | None:
        return await self.store.run(lambda db: shift_in(db, shift_id))

    async def open_waiting(self, shift_id: str) -> bool:
        def read(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT 1 FROM shifts WHERE shift_id = ? AND open_state = ?", (shift_id, WAITING)
            ).fetchone()
            return row is not None

        return await self.store.run(read)

    async def waiting(self) -> tuple[list[Shift], list[Shift]]:
        """The opens not yet at the centre, and the closes whose shift has no sale waiting (a
        close reaches the centre after the shift's sales)."""

        def read(db: sqlite3.Connection) -> tuple[list[Shift], list[Shift]]:
            opens = db.execute(
                "SELECT shift_id FROM shifts WHERE open_state = ? ORDER BY opened_at", (WAITING,)
            ).fetchall()
            closes = db.execute(
                """SELECT shift_id FROM shifts WHERE close_state = ? AND open_state != ?
                AND NOT EXISTS (SELECT 1 FROM sales WHERE state = ?
                AND json_extract(payload, '$.shift_id') = shifts.shift_id) ORDER BY closed_at""",
                (WAITING, WAITING, WAITING),
            ).fetchall()
            return (
                [s for (i,) in opens if (s := shift_in(db, i))],
                [s for (i,) in closes if (s := shift_in(db, i))],
            )

        return await self.store.run(read)

    async def settle(self, shift_id: str, which: str, state: str) -> None:
        """`which` is "open" or "close": it reached the centre (or was refused there)."""
        update = {
            "open": "UPDATE shifts SET open_state = ? WHERE shift_id = ? AND open_state = ?",
            "close": "UPDATE shifts SET close_state = ? WHERE shift_id = ? AND close_state = ?",
        }[which]

        def write(db: sqlite3.Connection) -> None:
            db.execute(update, (state, shift_id, WAITING))

        await self.store.run(write)
