"""The partner API (/partner/v1): marketplaces with an API key, under the partner rate limit."""

from __future__ import annotations

from typing import Any

from omni_gateway.partner.webhooks import PartnerWebhooks

ROUTES: list[Any] = [PartnerWebhooks]
