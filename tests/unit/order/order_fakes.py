"""In-memory stand-ins for the saga's ports (unit tests of one module only)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from omni_kit.errors import Conflict, Unavailable
from omni_kit.facts import Event
from omni_order.domain import checkout
from omni_order.domain.orders import (
    Delivery,
    DeliveryMode,
    Order,
    OrderLine,
    OrderLineStatus,
    PaymentMethod,
)
from omni_order.domain.tax import TaxQuote, quote
from omni_order.domain.values import Actor, ActorKind, ChannelRef, Money, SalesChannel
from omni_order.payments.checkout import PaymentLinks
from omni_order.payments.provider import (
    Capabilities,
    Initiation,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    ProviderStatus,
)
from omni_order.payments.registry import PaymentProviders
from omni_order.ports import CheckoutInputs, Placement, StockShortage
from omni_order.store.documents import from_document, to_document

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WAREHOUSE = "loc_wh"


class FakeOrders:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, CheckoutInputs] = {}
        self.events: list[Event] = []
        self.crash_on_save = 0

    def add(self, order: Order, inputs: CheckoutInputs) -> None:
        self.documents[order.id] = to_document(order)
        self.inputs[order.id] = inputs

    async def get(self, order_id: str) -> Order:
        return from_document(self.documents[order_id], Order)

    async def save(self, order: Order, events: Sequence[Event] = ()) -> Order:
        if self.crash_on_save:
            self.crash_on_save -= 1
            raise RuntimeError("the process died before the write")
        if self.documents[order.id].get("version", 0) != order.version - 1:
            raise Conflict("changed meanwhile")
        self.documents[order.id] = to_document(order)
        self.events.extend(events)
        return order

    async def checkout_inputs(self, order_id: str) -> CheckoutInputs:
        return self.inputs[order_id]

    def subjects(self) -> list[str]:
        return [event.subject for event in self.events]


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakePayments:
    """Decides by token like the test provider (tok_decline, tok_timeout, tok_unavailable) and
    remembers every call; `down` makes every call fail as unreachable."""

    name = "test"
    capabilities = Capabilities(
        manual_capture=True, partial_capture=True, void=True, refund=True, partial_refund=True
    )
    needs_token = True

    def __init__(self) -> None:
        self.authorized: list[str] = []
        self.voided: list[str] = []
        self.refunded: list[tuple[str, str, int]] = []
        self.down = False

    def _check(self, token: str = "") -> None:
        if self.down or token.startswith("tok_unavailable"):
            raise Unavailable("the payment provider is not reachable right now")

    async def initiate(self, request: PaymentRequest) -> Initiation:
        self._check(request.token)
        self.authorized.append(request.key)
        if request.token.startswith("tok_decline"):
            return Initiation(PaymentState.FAILED, reason="card declined by the issuer")
        if request.token.startswith("tok_timeout"):
            await asyncio.sleep(3600)
        return Initiation(PaymentState.AUTHORIZED, reference=f"auth_{request.key}")

    async def status(self, key, *, reference="") -> ProviderStatus:
        self._check()
        return ProviderStatus(PaymentState.AUTHORIZED, reference)

    async def handle_callback(self, callback):
        raise AssertionError("no callbacks in these tests")

    async def capture(self, key, amount, *, reference="") -> PaymentResult:
        self._check()
        return PaymentResult(approved=True, reference=f"capture_{key}")

    async def void(self, key, *, reference="") -> None:
        self._check()
        self.voided.append(key)

    async def refund(self, key, refund_key, amount, *, reference="") -> PaymentResult:
        self._check()
        self.refunded.append((key, refund_key, amount.amount_minor))
        return PaymentResult(approved=True, reference=f"refund_{refund_key}")


LINKS = PaymentLinks("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/v1/orders/{order_id}")


def providers(payments: FakePayments) -> PaymentProviders:
    return PaymentProviders({"test": payments}, {"*:online_card": "test"})


class FakeInventory:
    """One warehouse; reservations by id, like the real service."""

    def __init__(self, stock: dict[str, int]) -> None:
        self.available = dict(stock)
        self.reservations: dict[str, list[Placement]] = {}
        self.released: list[str] = []
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise Unavailable("the inventory is not reachable right now")

    async def select_sources(self, lines, delivery, channel) -> list[Placement] | None:
        self._check()
        if any(self.available.get(p.sku, 0) < p.quantity for p in lines):
            return None
        return [Placement(p.sku, p.quantity, WAREHOUSE) for p in lines]

    async def reserve_order(
        self, reservation_id, lines, *, channel, order_id, customer_id, replaces=()
    ) -> list[Placement]:
        self._check()
        if reservation_id in self.reservations:
            return self.reservations[reservation_id]
        short = [p for p in lines if self.available.get(p.sku, 0) < p.quantity]
        if short:
            raise StockShortage(f"{short[0].sku}: {self.available.get(short[0].sku, 0)} available")
        for p in lines:
            self.available[p.sku] -= p.quantity
        placed = [Placement(p.sku, p.quantity, p.location_id or WAREHOUSE) for p in lines]
        self.reservations[reservation_id] = placed
        return placed

    async def reservation(self, reservation_id: str) -> list[Placement] | None:
        self._check()
        return self.reservations.get(reservation_id)

    async def release(self, reservation_id, lines=(), *, key="", reason="") -> None:
        self._check()
        for p in self.reservations.pop(reservation_id, []):
            self.available[p.sku] += p.quantity
        self.released.append(reservation_id)


def untaxed(lines: list[OrderLine]) -> TaxQuote:
    """The quote of a country without rates: prices include a tax of 0."""
    return quote(checkout.taxable_lines(lines), {}, "PL", prices_include_tax=True)


def pending_order(method: PaymentMethod = PaymentMethod.ONLINE_CARD, quantity: int = 2) -> Order:
    lines = [
        OrderLine(
            line_id="l1",
            sku="TEE-M",
            quantity=quantity,
            unit_price=Money(1500, "EUR"),
            status=OrderLineStatus.OPEN,
        )
    ]
    return checkout.new_order(
        order_id="ord_1",
        payment_id="pay_1",
        lines=lines,
        tax=untaxed(lines),
        currency="EUR",
        delivery=Delivery(mode=DeliveryMode.HOME_DELIVERY, price=Money(499, "EUR")),
        payment_method=method,
        channel=ChannelRef(SalesChannel.WEB),
        actor=Actor(ActorKind.CUSTOMER, "cus_1"),
        now=NOW,
        customer_id="cus_1",
        provider="test",
    )
