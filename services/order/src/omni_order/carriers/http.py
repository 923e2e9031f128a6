"""A carrier's JSON call through the platform's one outbound client, with the failures every
adapter maps the same way: no answer is CarrierUnavailable, the provider's words only logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omni_kit.logs import get_logger
from omni_kit.outbound import DeliveryFailed, DestinationNotAllowed, OutboundClient, Reply
from omni_order.carriers.base import CarrierUnavailable

log = get_logger("omni.order.carriers")


async def send(
    http: OutboundClient,
    carrier: str,
    what: str,
    method: str,
    url: str,
    *,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    try:
        return await http.request(method, url, json=json, headers=headers)
    except DestinationNotAllowed as refused:
        log.warning("carrier_destination_refused", carrier=carrier, what=what, why=refused.reason)
        raise CarrierUnavailable(carrier, what, refused.public) from None
    except DeliveryFailed as failed:
        log.warning("carrier_unreachable", carrier=carrier, what=what, why=failed.public)
        why = failed.public.removeprefix("delivery failed: ")
        raise CarrierUnavailable(carrier, what, why) from None


def json_body(reply: Reply, carrier: str, what: str) -> Any:
    try:
        return reply.json()
    except ValueError:
        log.warning("carrier_bad_answer", carrier=carrier, what=what, status=reply.status_code)
        raise CarrierUnavailable(
            carrier, what, f"an answer that is not JSON (HTTP {reply.status_code})"
        ) from None
