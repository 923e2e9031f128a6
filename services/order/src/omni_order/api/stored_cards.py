"""A card sale stored offline at a store is charged when it reaches the centre: authorized and
captured through the store's card provider, once per sale (the provider's key is the sale id,
so a sale sent again is answered as the first time). A decline does not refuse the sale (the
goods left the store): the order is recorded with its payment declined, and a "payment due"
task with the customer's contact is raised in the same write."""

from __future__ import annotations

from dataclasses import asdict

import structlog

from omni.common.v1 import common_pb2
from omni.order.v1 import order_pb2
from omni_kit.ids import utcnow
from omni_kit.protos import to_timestamp
from omni_kit.store import Document
from omni_order.api.deps import Deps
from omni_order.domain import store_sales as rules
from omni_order.domain.orders import Order, PaymentMethod, PaymentStatus
from omni_order.domain.values import Money
from omni_order.payments.provider import PaymentRequest, PaymentState

log = structlog.get_logger(__name__)


async def charge_stored_card(deps: Deps, sale: rules.TillSale, order: Order) -> str:
    """Charge the stored card of this sale's order; the decline's reason ('' when paid, or
    when the sale has no stored card)."""
    if not sale.card_token:
        return ""
    provider = deps.payments.for_checkout(rules.sale_channel(sale), PaymentMethod.ONLINE_CARD)
    assert provider is not None  # a card method always has a provider, or is refused above
    payment = order.payments[0]
    total = order.totals.total
    key = f"store-sale-{sale.sale_id}"
    started = await provider.initiate(
        PaymentRequest(
            key=key,
            order_id=order.id,
            order_number=order.number,
            amount=total,
            manual_capture=True,
            return_url="",
            notify_url="",
            token=sale.card_token,
            description=f"store sale {sale.sale_id}",
        )
    )
    payment.provider = provider.name
    reason = started.reason or "the card needs the customer, who has left"
    if started.state == PaymentState.CAPTURED:
        payment.provider_ref = started.reference
        return ""
    if started.state == PaymentState.AUTHORIZED:
        captured = await provider.capture(key, total, reference=started.reference)
        if captured.approved:
            payment.provider_ref = captured.reference or started.reference
            return ""
        reason = captured.reason
    log.warning("stored_card_declined", sale_id=sale.sale_id, reason=reason)
    payment.status = PaymentStatus.DECLINED
    payment.captured_amount = Money(0, total.currency_code)
    payment.failure_reason = reason
    return reason or "declined"


def payment_due(sale: rules.TillSale, order: Order, reason: str) -> Document:
    total = order.totals.total
    return {
        "_id": sale.sale_id,
        "store_id": sale.store_id,
        "order_id": order.id,
        "amount": {"amount_minor": total.amount_minor, "currency_code": total.currency_code},
        "reason": reason,
        "customer": asdict(sale.customer),
        "sold_at": sale.sold_at,
        "raised_at": utcnow(),
    }


def payment_due_message(task: Document) -> order_pb2.StorePaymentDue:
    return order_pb2.StorePaymentDue(
        sale_id=task["_id"],
        store_id=task["store_id"],
        order_id=task["order_id"],
        amount=common_pb2.Money(**task["amount"]),
        reason=task["reason"],
        customer=order_pb2.StoreSaleCustomer(**task["customer"]),
        sold_at=to_timestamp(task["sold_at"]),
        raised_at=to_timestamp(task["raised_at"]),
    )
