"""HandlePaymentCallback: a provider's callback, verified by its adapter, moves the order on
(an order waiting for the customer is confirmed, or fails). Refused callbacks change nothing;
a repeat is answered as the first one."""

from __future__ import annotations

from typing import Any

from grpc import aio
from opentelemetry import trace

from omni.order.v1 import order_pb2
from omni_kit.errors import FailedPrecondition, InvalidArgument, NotFound, Unauthenticated
from omni_kit.idempotency import Work
from omni_kit.ids import utcnow
from omni_kit.logs import get_logger
from omni_kit.telemetry import extract_context, tracer
from omni_order.api.deps import Deps, unchanged
from omni_order.domain.common import require
from omni_order.domain.orders import Order, OrderStatus
from omni_order.domain.refunds import complete_staff_refund, staff_refund
from omni_order.events import next_version
from omni_order.messages import actor, channel_ref, order_message
from omni_order.payments.provider import (
    Callback,
    CallbackAnswer,
    CallbackEvent,
    CallbackIgnored,
    CallbackRefused,
    ProviderStatus,
)

C = order_pb2
log = get_logger("omni.order.callbacks")
_tracer = tracer("omni.order.payments")
MALFORMED = {"CALLBACK_MALFORMED"}


class PaymentsApi:
    deps: Deps

    async def CompleteStaffRefund(
        self, request: C.CompleteStaffRefundRequest, context: aio.ServicerContext
    ) -> C.CompleteStaffRefundResponse:
        return await self.deps.idempotency.run(
            context,
            request,
            C.CompleteStaffRefundResponse,
            lambda: self._complete_refund(request),
        )

    async def _complete_refund(
        self, request: C.CompleteStaffRefundRequest
    ) -> Work[C.CompleteStaffRefundResponse]:
        order = await self.deps.orders.get(require(request.order_id, "order_id"))
        refund = complete_staff_refund(
            order,
            require(request.refund_id, "refund_id"),
            provider_ref=request.provider_ref,
            note=request.note,
            actor=actor(request.actor),
            channel=channel_ref(request.channel),
            now=utcnow(),
        )
        if refund is None:
            return unchanged(C.CompleteStaffRefundResponse(order=order_message(order)))
        payment_id = staff_refund(order, refund.id)[0].id
        events = next_version(
            order, ("refund_recorded", {"payment_id": payment_id, "refund": refund})
        )
        reply = C.CompleteStaffRefundResponse(order=order_message(order))
        return self.deps.saving(order, events, reply)

    async def HandlePaymentCallback(
        self, request: C.HandlePaymentCallbackRequest, context: aio.ServicerContext
    ) -> C.HandlePaymentCallbackResponse:
        provider = self.deps.payments.named(request.provider)
        if provider is None:
            raise NotFound(
                f"no payment provider {request.provider!r} takes callbacks here",
                reason="PAYMENT_PROVIDER_NOT_FOUND",
                field="provider",
            )
        callback = Callback(
            request.http_method, dict(request.headers), request.query, bytes(request.body)
        )
        try:
            event = await provider.handle_callback(callback)
        except CallbackIgnored as ignored:
            log.info("payment_callback_ignored", provider=provider.name, why=str(ignored))
            return _answer(_stored(ignored.answer), "")
        except CallbackRefused as refused:
            log.warning("payment_callback_refused", provider=provider.name, why=str(refused))
            error = InvalidArgument if refused.reason in MALFORMED else Unauthenticated
            raise error(str(refused), reason=refused.reason) from None
        earlier = await self.deps.callbacks.handled(provider.name, event.dedupe_id)
        if earlier is not None:
            log.info("payment_callback_repeated", provider=provider.name, callback=event.dedupe_id)
            return _answer(earlier["answer"], earlier["order_id"])
        order = await self.deps.orders.with_payment(provider.name, event.key, event.reference)
        parent = extract_context(await self.deps.orders.trace_headers(order.id))
        link = trace.Link(trace.get_current_span().get_span_context())
        with _tracer.start_as_current_span(
            f"payment callback {provider.name}",
            context=parent,
            links=[link],
            attributes={"omni.order_id": order.id, "omni.payment.event": event.event_type},
        ):
            _require_order_amount(order, event)
            status = ProviderStatus(
                event.state, event.reference or order.payments[0].provider_ref, event.amount
            )
            await self.deps.saga.payment_reported(order, status)
        answer = _stored(event.answer)
        await self.deps.callbacks.remember(
            provider.name, event.dedupe_id, order_id=order.id, answer=answer
        )
        log.info(
            "payment_callback",
            provider=provider.name,
            order_id=order.id,
            callback=event.event_type,
            state=str(event.state),
        )
        return _answer(answer, order.id)


def _require_order_amount(order: Order, event: CallbackEvent) -> None:
    """A callback about another amount or currency than the order's changes nothing."""
    expected = order.payments[0].amount
    if event.amount is None:
        return
    if event.amount.currency_code != expected.currency_code:
        raise FailedPrecondition(
            f"the callback is in {event.amount.currency_code}; order {order.number} is paid in "
            f"{expected.currency_code}",
            reason="PAYMENT_CURRENCY_MISMATCH",
            field="currency",
        )
    waiting = order.status == OrderStatus.ACTION_REQUIRED
    if waiting and event.amount.amount_minor != expected.amount_minor:
        raise FailedPrecondition(
            f"the callback is for {event.amount.amount_minor} minor units; order {order.number} "
            f"totals {expected.amount_minor}",
            reason="PAYMENT_AMOUNT_MISMATCH",
            field="amount",
        )


def _stored(answer: CallbackAnswer) -> dict[str, Any]:
    return {
        "http_status": answer.http_status,
        "content_type": answer.content_type,
        "body": answer.body,
    }


def _answer(answer: dict[str, Any], order_id: str) -> C.HandlePaymentCallbackResponse:
    return C.HandlePaymentCallbackResponse(
        http_status=int(answer["http_status"]),
        content_type=str(answer["content_type"]),
        body=bytes(answer["body"]),
        order_id=order_id,
    )
