"""Taking goods back at the store: find the order (its number among the orders the member may
list, as the staff API lists them, or its id, which any staff member may open), choose what
comes back and in what condition, and the staff API's return does the rest (restocked here,
refunded by the order service). Refusals are the API's, next to the line they name."""

from __future__ import annotations

import re
from typing import Annotated, Any

import grpc
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotAuthorizedException
from litestar.params import Parameter
from litestar.response import Template

from omni.order.v1 import order_pb2
from omni_gateway.console.labels import N_
from omni_gateway.console.pickups import store_of
from omni_gateway.console.render import store_page, translate
from omni_gateway.console.search import ORDER_NUMBER
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.staff.fulfilment import take_back
from omni_gateway.staff.orders import staff_order, stores_in_scope
from omni_gateway.views.fulfilment import ItemCondition, NewReturn, ReturnCreated
from omni_gateway.views.order import StaffOrder, staff_order_page, staff_order_view
from omni_kit.errors import error_details
from omni_kit.ids import new_id

LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.?(\w*)")
OrderParam = Annotated[str, Parameter(query="order", max_length=100)]


def returnable(order: StaffOrder) -> list[tuple[Any, int]]:
    """Each line with the units that left with the customer and have not come back."""
    return [
        (line, line.fulfilled_quantity - line.returned_quantity)
        for line in order.lines
        if line.fulfilled_quantity - line.returned_quantity > 0
    ]


async def find_order(state: State, principal: Principal, text: str) -> StaffOrder | None:
    text = text.strip()
    if ORDER_NUMBER.match(text):
        ask = order_pb2.ListOrdersRequest(
            number=text.upper(), store_ids=stores_in_scope(principal, []), page_size=1
        )
        reply = await state.downstream.call(state.downstream.order.ListOrders, ask, idempotent=True)
        found = staff_order_page(reply).orders
        return found[0] if found else None
    try:
        return staff_order_view(await staff_order(state, text))
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return None
        raise


def chosen_lines(form: Any, order: StaffOrder) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The lines the form brings back (quantity above zero), as the API's body takes them."""
    lines, errors = [], {}
    for line in order.lines:
        raw = str(form.get(f"quantity-{line.line_id}", "") or "0").strip()
        if not raw.isdigit():
            errors[f"quantity-{line.line_id}"] = N_("Enter a whole number of units.")
            continue
        if int(raw) > 0:
            lines.append(
                {
                    "line_id": line.line_id,
                    "quantity": int(raw),
                    "condition": str(form.get(f"condition-{line.line_id}", "sellable")),
                    "reason": str(form.get(f"reason-{line.line_id}", "")).strip(),
                }
            )
    return lines, errors


class ConsoleReturns(Controller):
    path = f"{PATH}/stores/{{store_id:str}}/returns"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/")
    async def form(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        order: OrderParam = "",
    ) -> Template:
        auth.require_store(principal, store_id)
        found = await find_order(state, principal, order) if order.strip() else None
        return await self._page(request, state, principal, store_id, order, found)

    @post("/{order_id:str}")
    async def take(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        order_id: str,
    ) -> Template:
        auth.require_store(principal, store_id)
        order = staff_order_view(await staff_order(state, order_id))
        form = await request.form()
        lines, unreadable = chosen_lines(form, order)
        errors = {name: translate(request, message) for name, message in unreadable.items()}
        done: ReturnCreated | None = None
        if not errors:
            try:
                body = msgspec.convert(
                    {
                        "receiving_location_id": store_id,
                        "lines": lines,
                        "note": str(form.get("note", "")).strip(),
                    },
                    NewReturn,
                )
                done = await take_back(state, principal, Channel.POS, order_id, body)
            except msgspec.ValidationError as error:
                errors[_form_field(str(error).rpartition("at `$.")[2].rstrip("`"), lines)] = str(
                    error
                )
            except grpc.aio.AioRpcError as error:
                details = error_details(error)
                if details.code not in (
                    grpc.StatusCode.INVALID_ARGUMENT,
                    grpc.StatusCode.FAILED_PRECONDITION,
                ):
                    raise
                errors[_form_field(details.field or "", lines)] = details.message
            except NotAuthorizedException:
                raise
            except ClientException as error:
                errors["form"] = str(error.detail)
        if done is not None:
            order = done.order
        return await self._page(
            request,
            state,
            principal,
            store_id,
            order.number,
            order,
            status=422 if errors else 200,
            errors=errors,
            done=done,
            values=form,
        )

    async def _page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        store_id: str,
        asked: str,
        order: StaffOrder | None,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        done: ReturnCreated | None = None,
        values: Any = None,
    ) -> Template:
        store = await store_of(state, store_id)
        return store_page(
            request,
            principal,
            store,
            "returns.html",
            "_return.html",
            status=status,
            asked=asked,
            order=order,
            lines=returnable(order) if order else [],
            conditions=[c.value for c in ItemCondition],
            errors=errors or {},
            done=done,
            values=values or {},
            return_key=new_id("return"),
        )


def _form_field(api_field: str, lines: list[dict[str, Any]]) -> str:
    """The form field for a field the API names (`lines[0].quantity` is the first chosen line's
    quantity); anything else is the form's."""
    named = LINE_FIELD.match(api_field)
    if named and int(named.group(1)) < len(lines):
        line_id = lines[int(named.group(1))]["line_id"]
        kind = named.group(2) if named.group(2) in ("condition", "reason") else "quantity"
        return f"{kind}-{line_id}"
    return "form"
