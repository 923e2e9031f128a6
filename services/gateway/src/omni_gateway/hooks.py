"""Payment provider callbacks (/hooks/payments/{provider}): no auth header (the provider signs
them), rate-limited per client address like every anonymous caller. The raw body, query and
headers go to the order service, whose adapter verifies the signature; the answer is the one the
provider expects (Stripe: JSON, LiqPay: 200, CashBill: "OK")."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, route
from litestar.datastructures import State

from omni.order.v1 import order_pb2

# Never forwarded: nothing a provider signs, and not the order service's business.
DROPPED_HEADERS = {"authorization", "cookie", "proxy-authorization"}


@route(
    "/hooks/payments/{provider:str}",
    http_method=["GET", "POST"],
    summary="A payment provider's callback (stripe, liqpay, cashbill), signed by the provider",
    tags=["payment callbacks"],
    status_code=200,
)
async def payment_callback(
    request: Request[Any, Any, Any], state: State, provider: str
) -> Response[bytes]:
    headers = {
        name.lower(): value
        for name, value in request.headers.items()
        if name.lower() not in DROPPED_HEADERS
    }
    callback = order_pb2.HandlePaymentCallbackRequest(
        provider=provider,
        http_method=request.method,
        headers=headers,
        query=request.scope["query_string"].decode("latin-1"),
        body=await request.body(),
    )
    reply = await state.downstream.call(
        state.downstream.order.HandlePaymentCallback, callback, idempotent=True
    )
    return Response(reply.body, status_code=reply.http_status, media_type=reply.content_type)


ROUTES = [payment_callback]
