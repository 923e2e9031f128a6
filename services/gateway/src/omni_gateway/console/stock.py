"""A SKU's stock in every store and warehouse for the counter: nearest to the member's store
first, with what is reserved and what is inbound when. The staff API's own lookup
(staff/inventory.py), open to every staff role as there."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Template

from omni_gateway.console.render import page
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.staff.inventory import sku_stock


class ConsoleStock(Controller):
    path = PATH
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/stock")
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        sku: Annotated[str, Parameter(max_length=64)] = "",
    ) -> Template:
        sku = sku.strip()
        here = sorted(principal.store_ids)[0] if principal.store_ids else ""
        stock = await sku_stock(state, sku, here) if sku else None
        template = "_stock.html" if request.headers.get("hx-request") else "stock.html"
        return page(request, template, principal, sku=sku, stock=stock, here=here)
