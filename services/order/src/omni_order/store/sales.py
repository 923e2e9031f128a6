"""Sales totals per day (in each kept time zone), channel and currency, kept as orders change.

Each order document remembers what it added to the totals (`sales_counted`: its days and
amounts); every write of the order, in the same transaction, takes that back and adds what the
order counts for now. So the report reads days x channels x currencies small rows, never the
orders, and an order written twice (a retried transaction) is still counted once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

NOT_SOLD = (
    "ORDER_STATUS_PENDING",
    "ORDER_STATUS_ACTION_REQUIRED",
    "ORDER_STATUS_PAYMENT_FAILED",
    "ORDER_STATUS_FAILED",
)
CANCELLED = "ORDER_STATUS_CANCELLED"
AMOUNTS = (
    "revenue",
    "orders",
    "units",
    "refunded",
    "cancelled_orders",
    "tax",
    "refunded_tax",
    "discount",
)
DEFAULT_ZONES = ("UTC",)

SALES_INDEXES = {"sales_days": [IndexModel([("zone", ASCENDING), ("day", ASCENDING)])]}

Document = dict[str, Any]


def contribution(document: Mapping[str, Any], zones: Sequence[str]) -> Document | None:
    """What an order (as stored, with its `sales` helper fields) adds to the totals."""
    status = document.get("status", "")
    placed_at = document.get("placed_at")
    if status in NOT_SOLD or not status or placed_at is None:
        return None
    sales = document.get("sales") or {}
    cancelled = status == CANCELLED
    return {
        "days": {zone: day_of(placed_at, zone) for zone in zones},
        "channel": (document.get("channel") or {}).get("channel", "SALES_CHANNEL_UNSPECIFIED"),
        "currency": sales.get("currency", ""),
        "revenue": 0 if cancelled else int(sales.get("revenue", 0)),
        "orders": 0 if cancelled else 1,
        "units": 0 if cancelled else int(sales.get("units", 0)),
        "refunded": int(sales.get("refunded", 0)),
        "cancelled_orders": 1 if cancelled else 0,
        "tax": 0 if cancelled else int(sales.get("tax", 0)),
        "refunded_tax": int(sales.get("refunded_tax", 0)),
        "discount": 0 if cancelled else int(sales.get("discount", 0)),
    }


def day_of(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")


def row_id(zone: str, day: str, channel: str, currency: str) -> str:
    return f"{zone}|{day}|{channel}|{currency}"


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, Document]:
    """Per totals row: the increments that replace `old`'s contribution with `new`'s."""
    rows: dict[str, Document] = defaultdict(dict)
    keys: dict[str, Document] = {}
    for sign, part in ((-1, old), (1, new)):
        if not part:
            continue
        for zone, day in part["days"].items():
            key = row_id(zone, day, part["channel"], part["currency"])
            keys[key] = {
                "zone": zone,
                "day": day,
                "channel": part["channel"],
                "currency": part["currency"],
            }
            for amount in AMOUNTS:
                rows[key][amount] = rows[key].get(amount, 0) + sign * int(part.get(amount, 0))
    return {
        key: {"key": keys[key], "inc": increments}
        for key, increments in rows.items()
        if any(increments.values())
    }


def days_in(start: datetime, end: datetime, zone: str) -> list[str]:
    """The days (in `zone`) whose midday falls in [start, end): calendar days asked for with
    bounds at midnight UTC come out as those calendar days in any zone within 12 h of UTC."""
    tz = ZoneInfo(zone)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    days = []
    current: date = first
    while current <= last:
        midday = datetime.combine(current, time(12), tz)
        if start <= midday < end:
            days.append(current.isoformat())
        current += timedelta(days=1)
    return days


@dataclass
class SalesTotals:
    rows: AsyncCollection[Document]
    zones: tuple[str, ...] = DEFAULT_ZONES
    _known: set[str] = field(default_factory=set)

    async def prepare(self, new: Mapping[str, Any] | None) -> None:
        """Create the rows an order's contribution will add to, before its transaction starts:
        two transactions creating the same row would otherwise fail on its key, and a row made
        after a transaction's snapshot is not there for it to update."""
        if not new:
            return
        for zone, day in new["days"].items():
            key = row_id(zone, day, new["channel"], new["currency"])
            if key in self._known:
                continue
            fields = {"zone": zone, "day": day, "channel": new["channel"]}
            fields["currency"] = new["currency"]
            await self.rows.update_one(
                {"_id": key},
                {"$setOnInsert": fields | dict.fromkeys(AMOUNTS, 0)},
                upsert=True,
            )
            if len(self._known) > 10_000:
                self._known.clear()
            self._known.add(key)

    async def apply(
        self,
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any] | None,
        session: AsyncClientSession | None,
    ) -> None:
        """Move the totals from an order's old contribution to its new one."""
        writes = [
            UpdateOne(
                {"_id": key},
                {"$inc": change["inc"], "$setOnInsert": change["key"]},
                upsert=True,
            )
            for key, change in changes(old, new).items()
        ]
        if writes:
            await self.rows.bulk_write(writes, ordered=True, session=session)

    async def report(
        self, zone: str, days: Sequence[str], channels: Iterable[str]
    ) -> list[Document]:
        """Rows of the days asked for, by day, channel and currency (days without sales absent)."""
        if not days:
            return []
        wanted = set(channels)
        query = {"zone": zone, "day": {"$gte": days[0], "$lte": days[-1]}}
        found = await self.rows.find(query).to_list(None)
        chosen = [
            row
            for row in found
            if (not wanted or row["channel"] in wanted) and any(row.get(a) for a in AMOUNTS)
        ]
        return sorted(chosen, key=lambda row: (row["day"], row["channel"], row["currency"]))
