"""Request ids and trace ids on every response; the channel a request comes from."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ValidationException
from litestar.types import Message, Scope

from omni.common.v1 import common_pb2
from omni_gateway.security.principals import Channel
from omni_kit.ids import new_id
from omni_kit.telemetry import current_trace_id

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
CHANNEL_HEADER = "X-Omni-Channel"

SALES_CHANNELS = {
    Channel.WEB: common_pb2.SALES_CHANNEL_WEB,
    Channel.APP: common_pb2.SALES_CHANNEL_APP,
    Channel.POS: common_pb2.SALES_CHANNEL_POS,
    Channel.SOCIAL: common_pb2.SALES_CHANNEL_SOCIAL,
    Channel.MESSENGER: common_pb2.SALES_CHANNEL_MESSENGER,
    Channel.MARKETPLACE: common_pb2.SALES_CHANNEL_MARKETPLACE,
    Channel.PHONE: common_pb2.SALES_CHANNEL_PHONE,
}


def channel_ref(
    channel: Channel, *, store_id: str = "", partner_id: str = ""
) -> common_pb2.ChannelRef:
    """The one way a route names where a call comes from: the sales channel, and the store or
    partner when there is one."""
    return common_pb2.ChannelRef(
        channel=SALES_CHANNELS[channel], store_id=store_id, partner_id=partner_id
    )


def assign_request_id(scope: Scope) -> str:
    """The caller's X-Request-Id when well-formed, else a new one."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        state["request_id"] = given if REQUEST_ID.match(given) else new_id("req")
    return str(state["request_id"])


async def add_request_headers(message: Message, scope: Scope) -> None:
    """before_send hook: X-Request-Id and X-Trace-Id on every response, errors included."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers["X-Request-Id"] = assign_request_id(scope)
        trace_id = current_trace_id()
        if trace_id:
            headers["X-Trace-Id"] = trace_id


def request_channel(request: Request[Any, Any, Any], default: Channel) -> Channel:
    raw = request.headers.get(CHANNEL_HEADER)
    if raw is None:
        return default
    try:
        return Channel(raw.strip().lower())
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise ValidationException(
            f"unknown channel {raw!r}",
            extra=[{"key": CHANNEL_HEADER, "message": f"must be one of: {allowed}"}],
        ) from None
