"""Vouchers, and their redemptions by orders.

A redemption is written in the placing order's transaction (docs/api.md, "Vouchers"): a
conditional increment of the voucher's `redeemed` below its limit (and of the customer's count
below theirs), and one record per (order, voucher). A checkout that finds the limit reached
writes nothing at all; an order that fails, or is cancelled before payment, deletes its records
and gives the counts back in the transaction that writes that status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import AlreadyExists, Conflict, NotFound
from omni_order.domain.orders import Order, OrderStatus, PaymentStatus
from omni_order.domain.vouchers import (
    Voucher,
    customer_limit_refusal,
    needs_customer_refusal,
    refusal,
)
from omni_order.store.documents import from_document, to_document

VOUCHER_INDEXES = {
    "vouchers": [IndexModel([("code", ASCENDING)], unique=True, name="one_voucher_per_code")],
    "voucher_redemptions": [IndexModel([("order_id", ASCENDING)])],
}
# Fields an update may empty (left out of the document when empty).
UNSET_WHEN_EMPTY = (
    "percentage_basis_points",
    "fixed_amounts",
    "target_ids",
    "channels",
    "starts_at",
    "ends_at",
    "minimum_spend",
    "usage_limit",
    "usage_limit_per_customer",
    "combinable",
)
# An order in one of these gives its vouchers back (when nothing was paid).
RELEASING = {OrderStatus.FAILED, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED}
PAID = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}


def releases(order: Order) -> bool:
    paid = any(payment.status in PAID for payment in order.payments)
    return bool(order.voucher_codes) and order.status in RELEASING and not paid


class VoucherStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.vouchers = db["vouchers"]
        self.redemptions = db["voucher_redemptions"]
        # Per (voucher, customer): how many of the customer's orders carry it.
        self.customers = db["voucher_customers"]

    async def get(self, voucher_id: str) -> Voucher:
        document = await self.vouchers.find_one({"_id": voucher_id})
        if document is None:
            raise NotFound(
                f"no voucher with id {voucher_id!r}", reason="VOUCHER_NOT_FOUND", field="voucher_id"
            )
        return from_document(document, Voucher)

    async def by_code(self, code: str, session: AsyncClientSession | None = None) -> Voucher:
        document = await self.vouchers.find_one({"code": code}, session=session)
        if document is None:
            raise refusal(code, "is not a known voucher code", "VOUCHER_NOT_FOUND")
        return from_document(document, Voucher)

    async def by_codes(self, codes: list[str]) -> list[Voucher]:
        """The vouchers in the order of `codes` (a code no longer known is refused)."""
        return [await self.by_code(code) for code in codes]

    async def page(self, after: str, limit: int) -> list[Voucher]:
        query: dict[str, Any] = {"code": {"$gt": after}} if after else {}
        cursor = self.vouchers.find(query).sort("code", ASCENDING).limit(limit)
        return [from_document(document, Voucher) async for document in cursor]

    async def insert(self, voucher: Voucher, session: AsyncClientSession) -> None:
        document = to_document(voucher) | {"redeemed": 0, "active": voucher.active}
        try:
            await self.vouchers.insert_one(document, session=session)
        except DuplicateKeyError:
            raise AlreadyExists(
                f"a voucher with code {voucher.code} exists already",
                reason="VOUCHER_CODE_TAKEN",
                field="voucher.code",
            ) from None

    async def replace(self, voucher: Voucher, session: AsyncClientSession) -> None:
        """Write the voucher's next version; `redeemed` is left as the redemptions keep it."""
        document = to_document(voucher) | {"active": voucher.active}
        for kept in ("_id", "redeemed"):
            document.pop(kept, None)
        empty = {name: "" for name in UNSET_WHEN_EMPTY if name not in document}
        update: dict[str, Any] = {"$set": document} | ({"$unset": empty} if empty else {})
        result = await self.vouchers.update_one(
            {"_id": voucher.id, "version": voucher.version - 1}, update, session=session
        )
        if result.matched_count != 1:
            raise Conflict(
                f"voucher {voucher.code} was changed by someone else meanwhile; reload it",
                reason="CONCURRENT_CHANGE",
            )

    async def redeem(
        self, voucher: Voucher, order: Order, at: datetime, session: AsyncClientSession
    ) -> None:
        """Count the order against the voucher's limits, or refuse (nothing written)."""
        below: dict[str, Any] = {"_id": voucher.id, "active": True}
        if voucher.usage_limit:
            below["redeemed"] = {"$lt": voucher.usage_limit}
        counted = await self.vouchers.update_one(below, {"$inc": {"redeemed": 1}}, session=session)
        if counted.matched_count != 1:
            raise refusal(voucher.code, "has been used up", "VOUCHER_USED_UP")
        if voucher.usage_limit_per_customer:
            await self._count_customer(voucher, order.customer_id, session)
        await self.redemptions.insert_one(
            {
                "_id": f"{order.id}|{voucher.id}",
                "order_id": order.id,
                "voucher_id": voucher.id,
                "code": voucher.code,
                "customer_id": order.customer_id,
                "at": at,
            },
            session=session,
        )

    async def _count_customer(
        self, voucher: Voucher, customer_id: str, session: AsyncClientSession
    ) -> None:
        if not customer_id:
            raise needs_customer_refusal(voucher)
        limit = voucher.usage_limit_per_customer
        try:
            await self.customers.update_one(
                {"_id": f"{voucher.id}|{customer_id}", "used": {"$lt": limit}},
                {"$inc": {"used": 1}},
                upsert=True,
                session=session,
            )
        except DuplicateKeyError:
            raise customer_limit_refusal(voucher) from None

    async def customer_uses(self, voucher_id: str, customer_id: str) -> int:
        document = await self.customers.find_one({"_id": f"{voucher_id}|{customer_id}"})
        return int((document or {}).get("used", 0))

    async def release(self, order: Order, session: AsyncClientSession) -> None:
        """Give back what the order redeemed (once: its records go with it)."""
        cursor = self.redemptions.find({"order_id": order.id}, session=session)
        for record in await cursor.to_list(None):
            gone = await self.redemptions.delete_one({"_id": record["_id"]}, session=session)
            if gone.deleted_count != 1:
                continue
            await self.vouchers.update_one(
                {"_id": record["voucher_id"]}, {"$inc": {"redeemed": -1}}, session=session
            )
            if record.get("customer_id"):
                await self.customers.update_one(
                    {"_id": f"{record['voucher_id']}|{record['customer_id']}"},
                    {"$inc": {"used": -1}},
                    session=session,
                )
