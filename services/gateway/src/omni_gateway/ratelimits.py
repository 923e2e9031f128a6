"""Rate limits: per API key on the partner API, per signed-in subject or address elsewhere."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address

from omni_gateway.security.api_keys import key_id_of
from omni_gateway.security.tokens import TokenError
from omni_gateway.settings import GatewaySettings

UNLIMITED = [r"^/healthz$", r"^/readyz$", r"^/schema"]


def _partner_key(request: Request[Any, Any, Any]) -> str:
    raw = request.headers.get("X-Api-Key") or request.headers.get("Authorization", "")[7:]
    key_id = key_id_of(raw.strip())
    return f"key:{key_id}" if key_id else f"ip:{get_remote_address(request)}"


def _client(request: Request[Any, Any, Any]) -> str:
    token = request.headers.get("Authorization", "")[7:].strip()
    if token:
        audience = "omni-staff" if request.url.path.startswith("/staff/") else "omni-api"
        try:
            return f"sub:{request.app.state.tokens.verify(token, audience).id}"
        except TokenError:
            pass
    return f"ip:{get_remote_address(request)}"


def partner_limit(settings: GatewaySettings) -> Any:
    """For the partner router: one budget per API key."""
    return RateLimitConfig(
        rate_limit=("minute", settings.partner_rate_limit_per_minute),
        identifier_for_request=_partner_key,
        store="rate_limit_partner",
    ).middleware


def client_limit(settings: GatewaySettings) -> Any:
    """For everything else: one budget per signed-in subject, or per address when anonymous."""
    return RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_per_minute),
        identifier_for_request=_client,
        exclude=[*UNLIMITED, r"^/partner/"],
        store="rate_limit_clients",
    ).middleware
