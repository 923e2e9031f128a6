"""The background sweep that returns expired cart holds' stock.

Expiry reads the stored expires_at, so any running instance returns the holds of any other,
including one that died."""

from __future__ import annotations

import asyncio

from omni_inventory.api.reservations import Reservations
from omni_inventory.store.reservations import HOLDING_NAMES
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger

log = get_logger("omni.inventory.expiry")
BATCH = 200
CART_HOLD = "RESERVATION_KIND_CART_HOLD"


async def sweep_once(api: Reservations) -> int:
    """Expire every due cart hold; returns how many this call expired."""
    now = utcnow()
    due: list[str] = []
    for status in HOLDING_NAMES:  # a (kind, status, expires_at) index range each
        query = {"kind": CART_HOLD, "status": status, "expires_at": {"$lte": now}}
        cursor = api.collections.reservations.find(query, {"_id": 1}).limit(BATCH)
        due += [document["_id"] for document in await cursor.to_list(BATCH)]
    expired = 0
    for reservation_id in due[:BATCH]:
        if await api.expire(reservation_id):
            expired += 1
    return expired


async def run(api: Reservations, interval: float) -> None:
    while True:
        try:
            count = await sweep_once(api)
            if count:
                log.info("cart_holds_expired", count=count)
        except Exception:
            # The store may be down for a while; the next sweep tries again.
            log.exception("expiry_sweep_failed")
        await asyncio.sleep(interval)
