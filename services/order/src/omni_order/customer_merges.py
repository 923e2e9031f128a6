"""Orders follow their customer through profile merges.

When the customer service merges one profile into another (staff joining duplicates, or a new
account proving an address that another profile holds), the merged profile's orders move to the
survivor, each announced as `omni.order.order.customer_reassigned`; the customer then finds them
under the profile they sign in as. Undoing the merge moves exactly the orders that merge moved
back (kept one row per order in `merge_moves`), never ones placed on the survivor since."""

from __future__ import annotations

from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from omni.customer.v1 import events_pb2 as customer_events
from omni_kit.events import EventContext, stream_name
from omni_kit.logs import get_logger
from omni_kit.runtime import Infrastructure
from omni_order import events
from omni_order.domain.orders import Order
from omni_order.store import OrderStore
from omni_order.store.documents import from_document

log = get_logger("omni.order.customer_merges")

CONSUMED_DOMAINS = ("customer",)
MERGED = "omni.customer.profile.merged"
UNMERGED = "omni.customer.profile.unmerged"
MOVES = "merge_moves"
MOVE_INDEXES = {MOVES: [IndexModel([("merge_id", ASCENDING)])]}


class CustomerMerges:
    def __init__(self, infra: Infrastructure, orders: OrderStore) -> None:
        self.infra = infra
        self.orders = orders
        self.moves = infra.db[MOVES]
        self.inbox = infra.consume(
            "order-customer-merges",
            stream_name("customer"),
            [MERGED, UNMERGED],
            [customer_events.ProfilesMerged, customer_events.ProfilesUnmerged],
            self.handle,
        )

    async def handle(self, event: Message, context: EventContext) -> None:
        merge = getattr(event, "merge")  # noqa: B009 - both event types carry it

        async def effect(session: AsyncClientSession) -> None:
            if isinstance(event, customer_events.ProfilesMerged):
                moved = await self.move(merge.id, merge.merged_id, merge.survivor_id, session)
            else:
                moved = await self.move_back(merge.id, session)
            log.info(
                "orders_reassigned",
                merge_id=merge.id,
                undo=context.subject == UNMERGED,
                orders=moved,
            )

        await self.inbox.handle_once(self.infra.client, context.event_id, effect)

    async def move(
        self, merge_id: str, source: str, target: str, session: AsyncClientSession
    ) -> int:
        moved = 0
        async for document in self.orders.orders.find({"customer_id": source}, session=session):
            order = from_document(document, Order)
            await self._reassign(order, target, merge_id, session)
            await self.moves.insert_one(
                {
                    "_id": f"{merge_id}:{order.id}",
                    "merge_id": merge_id,
                    "order_id": order.id,
                    "from": source,
                    "to": target,
                },
                session=session,
            )
            moved += 1
        return moved

    async def move_back(self, merge_id: str, session: AsyncClientSession) -> int:
        moved = 0
        async for move in self.moves.find({"merge_id": merge_id}, session=session):
            document = await self.orders.orders.find_one({"_id": move["order_id"]}, session=session)
            if document is not None and document.get("customer_id") == move["to"]:
                order = from_document(document, Order)
                await self._reassign(order, move["from"], merge_id, session)
                moved += 1
            await self.moves.delete_one({"_id": move["_id"]}, session=session)
        return moved

    async def _reassign(
        self, order: Order, customer_id: str, merge_id: str, session: AsyncClientSession
    ) -> None:
        previous = order.customer_id
        order.customer_id = customer_id
        order.version += 1
        event = events.customer_reassigned(order, previous, merge_id)
        await self.orders.write(session, order, [event])
