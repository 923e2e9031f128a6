"""Calls to a payment provider through the platform's one outbound client: a provider that does
not answer, answers 5xx or 429, or cannot be reached is Unavailable (the caller retries with
the same key); what it said goes to the log only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omni_kit.errors import Unavailable
from omni_kit.logs import get_logger
from omni_kit.outbound import DeliveryFailed, DestinationNotAllowed, OutboundClient, Reply

log = get_logger("omni.order.payments")


class ProviderHttp:
    def __init__(self, client: OutboundClient, provider: str, base_url: str) -> None:
        self.client = client
        self.provider = provider
        self.base_url = base_url.rstrip("/")

    async def call(
        self,
        method: str,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        url = f"{self.base_url}{path}"
        try:
            reply = await self.client.request(
                method, url, data=data, params=params, json=json, headers=headers
            )
        except (DeliveryFailed, DestinationNotAllowed) as failed:
            log.warning(
                "payment_provider_unreachable", provider=self.provider, path=path, error=str(failed)
            )
            raise self.unavailable() from None
        if reply.status_code >= 500 or reply.status_code == 429:
            log.warning(
                "payment_provider_error",
                provider=self.provider,
                path=path,
                status=reply.status_code,
                body=reply.text[:500],
            )
            raise self.unavailable()
        return reply

    def unavailable(self) -> Unavailable:
        return Unavailable(
            f"the payment provider ({self.provider}) is not reachable right now; try again shortly"
        )

    def refused(self, path: str, reply: Reply) -> None:
        log.warning(
            "payment_provider_refused",
            provider=self.provider,
            path=path,
            status=reply.status_code,
            body=reply.text[:500],
        )


def json_body(reply: Reply) -> dict[str, Any]:
    """A provider's JSON object answer, or {} for anything else."""
    try:
        body = reply.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
