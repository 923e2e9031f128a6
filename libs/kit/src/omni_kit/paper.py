"""Paper receipts: a sale written by hand on a pre-issued numbered receipt while a store had no
power at all, keyed in later at the store node or through the staff API.

Both ways derive the sale's id from the store and the paper number, so the same paper receipt
keyed twice (or once at each) is the same sale to the centre's one-order-per-sale index."""

from __future__ import annotations

import uuid

# Fixed for good: changing it would give every paper sale a second id.
PAPER_NAMESPACE = uuid.UUID("6f1c7a52-3d0e-5b7a-9c41-2a8e5d90b6f3")


def paper_sale_id(store_id: str, number: int) -> str:
    return str(uuid.uuid5(PAPER_NAMESPACE, f"{store_id}/{number}"))
