"""Vouchers, and their redemptions by orders.

A checkout counts its order against a voucher as a hold taken before the order's transaction,
the way stock is reserved (docs/api.md, "Vouchers"), so checkouts rushing one voucher do not
conflict inside their transactions:

1. a redemption record is inserted, state `held`, with an id made from the checkout's
   idempotency key and the voucher (a retry of the checkout finds it);
2. one conditional update of the voucher counts it: `redeemed` below the limit and the hold not
   yet in the voucher's `holds`, then `$inc` and `$push` together; the customer's count the same
   way. A hold is counted exactly when its id is in `holds`, so every step can be repeated;
3. the order's transaction confirms the record (`held` -> `confirmed`, only from `held`);
4. after the commit the hold id leaves `holds` (the count stays) and the record is `redeemed`.

A checkout refused or failed after step 1 gives its holds back before it answers: the record is
marked `giving_back` (only from `held`, so a confirmed one is never given back), its id is pulled
from `holds` with the count decremented in the same update (only while it is there), and the
record deleted. A hold whose checkout died is given back by the sweeper once it is older than
OMNI_ORDER_VOUCHER_HOLD_SECONDS; the sweeper also finishes the steps a crash left half done.

An order that fails, or is cancelled before payment, deletes its records and gives the counts
back in the transaction that writes that status. Records written before holds existed have no
state: they count as redeemed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from omni_kit.errors import AlreadyExists, Conflict, DomainError, NotFound
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
    "voucher_redemptions": [
        IndexModel([("order_id", ASCENDING)]),
        IndexModel([("state", ASCENDING), ("held_at", ASCENDING)], name="holds_by_state"),
    ],
}
# A redemption record's states (a record without one is redeemed: written before holds).
HELD, CONFIRMED, REDEEMED, GIVING_BACK = "held", "confirmed", "redeemed", "giving_back"
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


@dataclass
class VoucherHolds:
    """The holds one checkout takes: ids made from its key, the same on every try of it."""

    key: str
    taken: list[str] = field(default_factory=list)

    async def take(
        self, store: VoucherStore, voucher: Voucher, order_id: str, customer_id: str, at: datetime
    ) -> str:
        hold_id = f"{self.key}|{voucher.id}"
        if hold_id not in self.taken:
            self.taken.append(hold_id)  # first: a hold cut short is given back too
        await store.hold(voucher, hold_id, order_id, customer_id, at)
        return hold_id


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

    async def hold(
        self, voucher: Voucher, hold_id: str, order_id: str, customer_id: str, at: datetime
    ) -> None:
        """Count a checkout against the voucher's limits before its order is written (steps 1
        and 2 above), or refuse with nothing left counted. Taking the same hold again (a retry
        of the checkout) counts it once."""
        if voucher.usage_limit_per_customer and not customer_id:
            raise needs_customer_refusal(voucher)
        if not await self._record(voucher, hold_id, order_id, customer_id, at):
            return  # a concurrent duplicate of the checkout confirmed it: its order is written
        try:
            await self._count(voucher, hold_id)
            if voucher.usage_limit_per_customer:
                await self._count_customer(voucher, customer_id, hold_id)
        except DomainError:
            await self.give_back([hold_id])
            raise

    async def _record(
        self, voucher: Voucher, hold_id: str, order_id: str, customer_id: str, at: datetime
    ) -> bool:
        """The hold's record, `held` (False: it is confirmed already)."""
        record = {
            "_id": hold_id,
            "state": HELD,
            "order_id": order_id,
            "voucher_id": voucher.id,
            "code": voucher.code,
            "customer_id": customer_id,
            "held_at": at,
        }
        for _ in range(3):
            try:
                await self.redemptions.insert_one(record)
                return True
            except DuplicateKeyError:
                found = await self.redemptions.find_one({"_id": hold_id})
            if found is None:
                continue  # given back meanwhile: take it anew
            if found.get("state") == GIVING_BACK:
                await self._give_back(found)  # a give-back cut short: finish it, take it anew
                continue
            return bool(found.get("state") == HELD)
        raise Conflict(
            f"the checkout's hold on voucher {voucher.code} keeps changing; retry",
            reason="CONCURRENT_CHANGE",
        )

    async def _count(self, voucher: Voucher, hold_id: str) -> None:
        below: dict[str, Any] = {"_id": voucher.id, "active": True, "holds": {"$ne": hold_id}}
        if voucher.usage_limit:
            below["redeemed"] = {"$lt": voucher.usage_limit}
        counted = await self.vouchers.update_one(
            below, {"$inc": {"redeemed": 1}, "$push": {"holds": hold_id}}
        )
        if counted.matched_count == 1:
            return
        if await self.vouchers.find_one({"_id": voucher.id, "holds": hold_id}, {"_id": 1}):
            return  # counted by an earlier try of the same checkout
        if not await self.vouchers.find_one({"_id": voucher.id, "active": True}, {"_id": 1}):
            raise refusal(voucher.code, "is no longer valid", "VOUCHER_INACTIVE")
        raise refusal(voucher.code, "has been used up", "VOUCHER_USED_UP")

    async def _count_customer(self, voucher: Voucher, customer_id: str, hold_id: str) -> None:
        key = {"_id": f"{voucher.id}|{customer_id}"}
        below = key | {"used": {"$lt": voucher.usage_limit_per_customer}, "holds": {"$ne": hold_id}}
        count = {"$inc": {"used": 1}, "$push": {"holds": hold_id}}
        try:
            await self.customers.update_one(below, count, upsert=True)
            return
        except DuplicateKeyError:
            # Either the customer is at the limit, or this hold is counted already, or another
            # checkout of theirs inserted the document first (then it is counted like any other).
            if (await self.customers.update_one(below, count)).matched_count == 1:
                return
        if not await self.customers.find_one(key | {"holds": hold_id}, {"_id": 1}):
            raise customer_limit_refusal(voucher)

    async def confirm(
        self, hold_ids: list[str], order: Order, at: datetime, session: AsyncClientSession
    ) -> None:
        """Step 3, in the order's transaction: the holds are the order's now."""
        for hold_id in hold_ids:
            confirmed = await self.redemptions.update_one(
                {"_id": hold_id, "state": HELD},
                {"$set": {"state": CONFIRMED, "order_id": order.id, "at": at}},
                session=session,
            )
            if confirmed.matched_count != 1:
                raise Conflict(
                    "the checkout's hold on a voucher was given back before its order was "
                    "written (it took too long); place the order again",
                    reason="VOUCHER_HOLD_LAPSED",
                    metadata={"voucher_id": hold_id.rpartition("|")[2]},
                )

    async def settle(self, order_id: str) -> None:
        """Step 4, after the order's commit: its holds leave the voucher's (and customer's)
        `holds`; the counts stay."""
        cursor = self.redemptions.find({"order_id": order_id, "state": CONFIRMED})
        for record in await cursor.to_list(None):
            await self._settle(record)

    async def _settle(self, record: dict[str, Any]) -> None:
        hold_id = record["_id"]
        await self.vouchers.update_one({"_id": record["voucher_id"]}, {"$pull": {"holds": hold_id}})
        if record.get("customer_id"):
            await self.customers.update_one(
                {"_id": f"{record['voucher_id']}|{record['customer_id']}"},
                {"$pull": {"holds": hold_id}},
            )
        await self.redemptions.update_one(
            {"_id": hold_id, "state": CONFIRMED}, {"$set": {"state": REDEEMED}}
        )

    async def give_back(self, hold_ids: list[str]) -> None:
        """Release holds whose order was not written (a refused or failed checkout); a hold
        that was confirmed meanwhile stays."""
        for hold_id in hold_ids:
            marked = await self.redemptions.find_one_and_update(
                {"_id": hold_id, "state": HELD},
                {"$set": {"state": GIVING_BACK}},
                return_document=ReturnDocument.AFTER,
            )
            if marked is not None:
                await self._give_back(marked)

    async def _give_back(self, record: dict[str, Any]) -> None:
        """Uncount a `giving_back` hold (each update only while the hold is counted there), then
        forget it."""
        hold_id = record["_id"]
        uncount = {"$pull": {"holds": hold_id}}
        await self.vouchers.update_one(
            {"_id": record["voucher_id"], "holds": hold_id},
            uncount | {"$inc": {"redeemed": -1}},
        )
        if record.get("customer_id"):
            await self.customers.update_one(
                {"_id": f"{record['voucher_id']}|{record['customer_id']}", "holds": hold_id},
                uncount | {"$inc": {"used": -1}},
            )
        await self.redemptions.delete_one({"_id": hold_id, "state": GIVING_BACK})

    async def sweep(self, before: datetime, limit: int = 100) -> int:
        """Give back holds taken before `before` whose order was never written (its checkout
        died), finish give-backs and settlements a crash cut short. Returns how many holds were
        given back."""
        given = 0
        stale = {"$in": [HELD, CONFIRMED]}
        query = {"$or": [{"state": GIVING_BACK}, {"state": stale, "held_at": {"$lt": before}}]}
        for record in await self.redemptions.find(query).limit(limit).to_list(limit):
            if record["state"] == CONFIRMED:
                await self._settle(record)
            elif record["state"] == GIVING_BACK:
                await self._give_back(record)
            else:
                await self.give_back([record["_id"]])
                given += 1
        return given

    async def customer_uses(self, voucher_id: str, customer_id: str) -> int:
        document = await self.customers.find_one({"_id": f"{voucher_id}|{customer_id}"})
        return int((document or {}).get("used", 0))

    async def release(self, order: Order, session: AsyncClientSession) -> None:
        """Give back what the order redeemed (once: its records go with it)."""
        query = {"order_id": order.id, "state": {"$nin": [HELD, GIVING_BACK]}}
        for record in await self.redemptions.find(query, session=session).to_list(None):
            gone = await self.redemptions.delete_one({"_id": record["_id"]}, session=session)
            if gone.deleted_count != 1:
                continue
            # A confirmed hold not settled yet is still in `holds`: it leaves with its count.
            uncount = {"$inc": {"redeemed": -1}, "$pull": {"holds": record["_id"]}}
            await self.vouchers.update_one({"_id": record["voucher_id"]}, uncount, session=session)
            if record.get("customer_id"):
                await self.customers.update_one(
                    {"_id": f"{record['voucher_id']}|{record['customer_id']}"},
                    {"$inc": {"used": -1}, "$pull": {"holds": record["_id"]}},
                    session=session,
                )
