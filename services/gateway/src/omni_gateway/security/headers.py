"""Security headers on every response, and the CORS allow-list.

Every answer, errors and preflights included, says: do not sniff the type, never frame me, send
no referrer, use HTTPS from now on (HSTS, unless an ingress in front already says it). Answers
that may be personal (the caller named a credential, or the path is the caller's own data, staff,
partner or sign-in) are never stored by a browser or shared cache. CORS is off unless origins
are listed: a browser page from another origin then cannot read any answer. Console pages get
a Content-Security-Policy allowing only the console's own scripts, styles and requests (no
inline script or style at all); its static files are the one cacheable part under /console.
"""

from __future__ import annotations

from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from omni_gateway.settings import GatewaySettings

PERSONAL_PREFIXES = ("/api/v1/me", "/api/v1/auth/", "/staff/", "/partner/")
CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")
FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
FRAME_ANCESTORS = "frame-ancestors 'none'"
CONSOLE = "/console"
CONSOLE_STATIC = "/console/static/"
CONSOLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# What browser clients send and may read across origins (partners call server to server).
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Omni-Channel",
    "X-Request-Id",
]
CORS_EXPOSED_HEADERS = [
    "Location",
    "ETag",
    "Retry-After",
    "Idempotent-Replayed",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "X-Request-Id",
    "X-Trace-Id",
]


def is_personal(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    if path.startswith(PERSONAL_PREFIXES) or _console_page(path):
        return True
    return any(name in CREDENTIAL_HEADERS for name, _ in scope.get("headers") or [])


def _console_page(path: str) -> bool:
    return (path == CONSOLE or path.startswith(f"{CONSOLE}/")) and not path.startswith(
        CONSOLE_STATIC
    )


def security_headers(settings: GatewaySettings) -> BeforeMessageSendHookHandler:
    """A before_send hook adding the headers above to every response."""
    fixed = dict(FIXED)
    if settings.hsts_max_age_seconds:
        fixed["Strict-Transport-Security"] = (
            f"max-age={settings.hsts_max_age_seconds}; includeSubDomains"
        )

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers.update(fixed)
        policy = headers.get("Content-Security-Policy")
        if _console_page(str(scope.get("path", ""))):
            headers["Content-Security-Policy"] = CONSOLE_POLICY
        elif policy is None:
            headers["Content-Security-Policy"] = FRAME_ANCESTORS
        elif "frame-ancestors" not in policy:
            headers["Content-Security-Policy"] = f"{policy}; {FRAME_ANCESTORS}"
        if is_personal(scope):
            headers["Cache-Control"] = "no-store"

    return add


def cors_config(settings: GatewaySettings) -> CORSConfig | None:
    """None (no CORS headers at all) unless OMNI_GATEWAY_CORS_ALLOWED_ORIGINS lists origins."""
    if not settings.cors_allowed_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_allowed_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        allow_credentials=False,  # bearer tokens, no cookies
        max_age=600,
    )
