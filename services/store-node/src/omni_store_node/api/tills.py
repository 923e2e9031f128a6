"""Sell, look up a product, and see the node's state. A sale is kept in the journal (on disk)
before its receipt is sent; online it is also recorded at the centre before the answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath, JSONBody

from omni_kit.ids import utcnow
from omni_store_node.api.views import (
    CardLimitsView,
    OfflineSwitchView,
    PaperBlockView,
    PaperSaleBody,
    ProductView,
    ReceiptView,
    SaleBody,
    StatusView,
    paper_receipt,
    product,
    receipt,
)
from omni_store_node.centre import LinkDown
from omni_store_node.domain.paper import paper_sale
from omni_store_node.domain.payments import CENTRE_BALANCE_TENDERS, refuse_centre_balance
from omni_store_node.domain.sales import (
    Customer,
    Sale,
    SaleRefused,
    Wanted,
    check_request,
    priced_sale,
)
from omni_store_node.node import Node
from omni_store_node.store.journal import QUARANTINED, RECORDED, REFUSED, WAITING, Offline

PROBLEM = "application/problem+json"


class TillController(Controller):
    path = "/pos/v1"

    @post("/sales", status_code=201)
    async def sell(self, data: JSONBody[SaleBody], state: State) -> Response[ReceiptView]:
        node: Node = state.node
        wanted = [Wanted(line.sku, line.quantity) for line in data.lines]
        check_request(data.sale_id, data.till_id, data.tender, wanted)
        prices = await node.store.replica.prices(line.sku for line in wanted)
        sale = priced_sale(
            sale_id=data.sale_id,
            till_id=data.till_id,
            tender=data.tender,
            wanted=wanted,
            prices=prices,
            sold_at=utcnow(),
            staff_id=data.staff_id,
            card_token=data.card_token,
            customer=Customer(**msgspec.structs.asdict(data.customer))
            if data.customer
            else Customer(),
            shift_id=data.shift_id,
        )
        offline = None
        if not node.link.online:
            refuse_centre_balance(sale.tender)
            since = node.link.offline_since or utcnow()
            offline = Offline(since, await node.card_limits())
        elif sale.tender in CENTRE_BALANCE_TENDERS:
            raise SaleRefused(
                f"the centre records cash and card till sales; {sale.tender} is not taken here yet",
                "tender",
            )
        return await _keep(node, sale, offline)

    @post("/paper-sales", status_code=201)
    async def key_in_paper(
        self, data: JSONBody[PaperSaleBody], state: State
    ) -> Response[ReceiptView]:
        """A sale written on a paper receipt while the store had no power, keyed in now."""
        node: Node = state.node
        receipt = paper_receipt(data)
        sale = paper_sale(
            receipt,
            store_id=node.settings.store_id,
            blocks=await node.store.replica.paper_blocks(),
            zone=node.settings.zone,
            prices=await node.store.replica.prices(line.sku for line in receipt.lines),
            card_limits=await node.card_limits(),
        )
        return await _keep(node, sale, None)

    @get("/paper-receipt-blocks")
    async def paper_blocks(self, state: State) -> list[PaperBlockView]:
        """The store's paper receipt blocks, as the centre last sent them."""
        node: Node = state.node
        blocks = await node.store.replica.paper_blocks()
        return [PaperBlockView(first, last) for first, last in blocks]

    @get("/sales/{sale_id:str}")
    async def sale(self, sale_id: FromPath[str], state: State) -> ReceiptView:
        node: Node = state.node
        entry = await node.store.journal.get(sale_id.lower())
        if entry is None:
            raise SaleRefused(f"no sale {sale_id!r} in this store's journal", "sale_id", 404)
        return receipt(entry, offline=not node.link.online)

    @get("/products/{sku:str}")
    async def product(self, sku: FromPath[str], state: State) -> ProductView:
        node: Node = state.node
        price = (await node.store.replica.prices([sku])).get(sku)
        if price is None:
            raise SaleRefused(f"SKU {sku!r} is not sold in this store", "sku", 404)
        return product(price, offline=not node.link.online)

    @get("/offline-switches")
    async def offline_switches(self, state: State) -> list[OfflineSwitchView]:
        """Each switch to offline, with the till and staff member that sold first in it."""
        node: Node = state.node
        return [
            OfflineSwitchView(s.offline_since, s.first_sale_id, s.till_id, s.staff_id)
            for s in await node.store.journal.offline_switches()
        ]

    @get("/status")
    async def status(self, state: State) -> StatusView:
        node: Node = state.node
        counts = await node.store.journal.counts()
        return StatusView(
            store_id=node.settings.store_id,
            online=node.link.online,
            offline_since=node.link.offline_since,
            sales_waiting=counts[WAITING],
            sales_recorded=counts[RECORDED],
            sales_quarantined=counts[QUARANTINED],
            sales_refused=counts[REFUSED],
            last_sync_at=node.link.last_sync_at,
            prices_loaded_at=await node.store.replica.loaded_at(),
            card_limits=CardLimitsView(**asdict(await node.card_limits())),
        )


async def _keep(node: Node, sale: Sale, offline: Offline | None) -> Response[ReceiptView]:
    """Journal the sale (fsynced) and, online, forward it before the receipt."""
    entry, new = await node.store.journal.keep(sale, offline=offline)
    if entry.state == WAITING and node.link.online:
        try:
            await node.forwarder.forward(entry)
        except LinkDown:
            await node.store.journal.log_switch(node.link.offline_since or utcnow(), sale)
            node.forwarder.wake()
        entry = await node.store.journal.get(sale.sale_id) or entry
    elif entry.state == WAITING:
        node.forwarder.wake()
    view = receipt(entry, offline=not node.link.online)
    return Response(view, status_code=201 if new else 200)


def _problem(
    request: Request[Any, Any, Any], status: int, detail: str, **extra: Any
) -> Response[Any]:
    body = {
        "type": "about:blank",
        "title": "Invalid request" if status in (400, 422) else "Request refused",
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return Response(body, status_code=status, media_type=PROBLEM)


def _refused(request: Request[Any, Any, Any], error: SaleRefused) -> Response[Any]:
    return _problem(request, error.status, str(error), field=error.field)


def _invalid(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    return _problem(request, 400, str(error.detail), errors=error.extra or [])


def _http(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    return _problem(request, error.status_code, str(error.detail))


problem_handlers: dict[Any, Any] = {
    SaleRefused: _refused,
    ValidationException: _invalid,
    HTTPException: _http,
}
