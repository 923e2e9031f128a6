"""Rate limits with one budget across every gateway process and replica.

Budgets (fixed windows):
- partner API: per API key (per client address for a request without a valid key);
- everything else: per signed-in customer or staff member, per client address for anonymous
  callers (an anonymous token is free to mint, so it never gives a budget of its own);
- POSTs under /api/v1/auth/ and /staff/v1/auth/ (sign-in, registration, refresh, password
  reset, verification) and the console's sign-in also per client address and per account: the
  e-mail or username in the JSON or form body, read before the handler and handed on to it
  unchanged.

The counts live in the gateway's MongoDB database (collection `rate_limits`): one document per
budget, identity and window, raised by an atomic `$inc` upsert and removed by a TTL index after
its window. Each process takes units from that count in shares and spends them locally
(`RateCounter`), so a busy client costs one store round trip per share, not per request, and
the limit holds across processes (docs/operations.md, "Gateway worker processes").
Litestar's RateLimitMiddleware is not used: its Store interface has get and set but no atomic
increment, so replicas sharing a store would lose each other's counts, and it keeps every
request's timestamp in one value. While the store does not answer within
`rate_limit_store_timeout_seconds`, each process counts alone for a few seconds rather than
stall or drop requests.

The client address is the socket peer, or, when the peer is one of `trusted_proxies`, the
nearest address in `X-Forwarded-For` that is not a trusted proxy.

Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and
`RateLimit-Policy` (`<limit>;w=<window seconds>`), the names Litestar's middleware uses (IETF
httpapi-ratelimit-headers draft, separate fields), for the budget closest to running out; a 429
is a problem document with `Retry-After` as well.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import msgspec
import pymongo
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from omni_gateway.security.api_keys import key_id_of
from omni_gateway.security.principals import Kind
from omni_gateway.security.tokens import TokenError
from omni_gateway.settings import GatewaySettings
from omni_gateway.store import Db
from omni_kit.logs import get_logger

log = get_logger("omni.gateway")

UNLIMITED = (r"^/healthz$", r"^/readyz$", r"^/schema")
AUTH_PREFIXES = ("/api/v1/auth/", "/staff/v1/auth/", "/console/sign-in")
ACCOUNT_FIELDS = ("email", "username")
# Sign-in and similar bodies are a few hundred bytes; past this no account is read from one.
ACCOUNT_BODY_BYTES = 8192
# After the store failed to answer, count locally this long before asking it again.
STORE_PAUSE_SECONDS = 5.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Budget:
    name: str
    limit: int
    window: int  # seconds


@dataclass(frozen=True)
class Count:
    budget: Budget
    used: int
    reset_at: int  # unix seconds

    @property
    def remaining(self) -> int:
        return max(self.budget.limit - self.used, 0)

    def headers(self, now: float) -> dict[str, str]:
        reset = max(self.reset_at - int(now), 1)
        return {
            "RateLimit-Limit": str(self.budget.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": f"{self.budget.limit};w={self.budget.window}",
        }


@dataclass
class Lease:
    """Units of one budget's window this process took from the shared count and has not spent."""

    left: int = 0
    taken: int = 0  # the shared count when this process last took units (at most the limit)
    next_take: int = 1
    spent: bool = False  # the shared count reached the limit: nothing more this window


class RateCounter:
    """Fixed-window counters in the gateway's database, shared by every process and replica.

    A process does not ask the store on every request: it takes units of a budget from the
    shared count in growing shares (1, 2, 4, ... up to `share_cap(limit)`) with one atomic `$inc`
    and spends them locally. Units are never granted past the limit (a share that would cross
    it is cut to what is left), so a client's limit is not multiplied by the number of
    processes; units one process holds unspent when the window ends are lost, so a client
    spread over N processes may be refused up to (N - 1) x share_cap units early. Once the
    shared count reaches the limit, the window's refusals cost no store round trip at all."""

    def __init__(self, db: Db, timeout_seconds: float) -> None:
        self.collection = db["rate_limits"]
        self.timeout = timeout_seconds
        self._local: dict[str, tuple[int, float]] = {}
        self._leases: dict[str, tuple[Lease, int]] = {}
        self._store_paused_until = 0.0

    async def hit(self, budget: Budget, identity: str, now: float) -> Count:
        start = int(now) // budget.window * budget.window
        end = start + budget.window
        key = f"{budget.name}:{_digest(identity)}:{start}"
        found = self._leases.get(key)
        lease = found[0] if found else None
        if lease is not None and lease.left > 0:
            lease.left -= 1
            return Count(budget, lease.taken - lease.left, end)
        if lease is not None and lease.spent:
            return Count(budget, budget.limit + 1, end)
        if now >= self._store_paused_until:
            take = min(lease.next_take if lease else 1, share_cap(budget.limit))
            counted = await self._increment(key, end, take)
            if counted is None:
                self._store_paused_until = now + STORE_PAUSE_SECONDS
            else:
                return self._granted(budget, key, end, now, take, counted)
        used = self._increment_locally(key, end, now)
        return Count(budget, used, end)

    def _granted(
        self, budget: Budget, key: str, end: int, now: float, take: int, counted: int
    ) -> Count:
        """Keep what a share of `take` units brought (the shared count is now `counted`)."""
        granted = max(0, min(take, budget.limit - (counted - take)))
        if key not in self._leases:
            if len(self._leases) > 10_000:
                self._leases = {k: v for k, v in self._leases.items() if v[1] > now}
            self._leases[key] = (Lease(), end)
        lease = self._leases[key][0]  # another request may have taken a share meanwhile
        lease.taken = max(lease.taken, min(counted, budget.limit))
        lease.next_take = take * 2
        if granted == 0:
            lease.spent = True
            return Count(budget, budget.limit + 1, end)
        lease.left += granted - 1
        lease.spent = counted >= budget.limit
        return Count(budget, lease.taken - lease.left, end)

    async def _increment(self, key: str, end: int, amount: int) -> int | None:
        for _ in range(2):  # two first hits of a window may race to insert; the loser retries
            try:
                with pymongo.timeout(self.timeout):
                    doc = await self.collection.find_one_and_update(
                        {"_id": key},
                        {
                            "$inc": {"n": amount},
                            "$setOnInsert": {"expires_at": datetime.fromtimestamp(end, UTC)},
                        },
                        upsert=True,
                        return_document=ReturnDocument.AFTER,
                    )
                # An upsert returning the document after it always finds one.
                return int(doc["n"]) if doc is not None else amount
            except DuplicateKeyError:
                continue
            except PyMongoError as error:
                log.warning("rate_limit_store_unavailable", error=type(error).__name__)
                return None
        return None

    def _increment_locally(self, key: str, end: int, now: float) -> int:
        if len(self._local) > 10_000:
            self._local = {k: v for k, v in self._local.items() if v[1] > now}
        used = self._local.get(key, (0, end))[0] + 1
        self._local[key] = (used, end)
        return used


def share_cap(limit: int) -> int:
    """The most units a process takes at once: 1 for small budgets (sign-in), so they are exact,
    at most 64 (one store round trip per 64 requests of a busy client)."""
    return max(1, min(64, limit // 64))


@functools.lru_cache(maxsize=4096)
def _digest(identity: str) -> str:
    # Digests, so no address or e-mail is written to the store.
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def client_address(scope: Scope, trusted: Sequence[Network]) -> str:
    """The socket peer; behind trusted proxies, the nearest forwarded address not one of them."""
    client = scope.get("client")
    peer = client[0] if client else "127.0.0.1"
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name.lower() == b"x-forwarded-for"
    ]
    hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
    nearest = peer
    for hop in reversed(hops):
        try:
            address = str(ipaddress.ip_address(hop.split("%")[0]))
        except ValueError:
            return nearest  # not an address: the trusted proxy that passed it on is all we know
        if not _trusted(address, trusted):
            return address
        nearest = address
    return nearest


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    return any(ip in network for network in trusted)


def _bearer(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            text = value.decode("latin-1")
            return text[7:].strip() if text[:7].lower() == "bearer " else ""
    return ""


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", ()):
        if name.lower() == wanted:
            return value.decode("latin-1")
    return ""


async def _read_body(receive: Receive) -> tuple[bytes, list[ReceiveMessage]]:
    """Read the body up to ACCOUNT_BODY_BYTES, keeping the messages to hand on unchanged."""
    messages: list[ReceiveMessage] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return b"", messages
        body += message.get("body", b"")
        if len(body) > ACCOUNT_BODY_BYTES:
            return b"", messages
        if not message.get("more_body", False):
            return body, messages


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def account_of(body: bytes) -> str | None:
    """The e-mail or username an auth request is about, as the account store would match it."""
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:  # a form (the console's sign-in)
        data = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    if not isinstance(data, dict):
        return None
    for field in ACCOUNT_FIELDS:
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            return f"{field}:{value.strip().casefold()}"
    return None


class SharedRateLimit(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: GatewaySettings, *, partner: bool) -> None:
        self.partner = partner
        self.trusted = parse_networks(settings.trusted_proxies)
        if partner:
            self.main = Budget("partner", settings.partner_rate_limit_per_minute, 60)
            self.exclude_path_pattern = UNLIMITED
        else:
            self.main = Budget("client", settings.rate_limit_per_minute, 60)
            self.exclude_path_pattern = (*UNLIMITED, r"^/partner/")
        self.auth_address = Budget("auth-address", settings.auth_rate_limit_per_minute, 60)
        self.auth_account = Budget(
            "auth-account", settings.auth_account_attempts, settings.auth_account_window_seconds
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        app = scope["litestar_app"]
        counter: RateCounter = app.state.rate_counter
        address = client_address(scope, self.trusted)
        budgets = [(self.main, self._identity(scope, app, address))]
        signing_in = (
            scope["type"] == ScopeType.HTTP
            and scope["method"] == "POST"
            and scope["path"].startswith(AUTH_PREFIXES)
        )
        if signing_in and not self.partner:
            budgets.append((self.auth_address, f"ip:{address}"))
            body, messages = await _read_body(receive)
            receive = _replay(messages, receive)
            account = account_of(body)
            if account:
                budgets.append((self.auth_account, account))
        now = time.time()
        counts = []
        # In order, stopping at the first budget spent: attempts refused for the address do not
        # use up the budget of the account they name.
        for budget, identity in budgets:
            count = await counter.hit(budget, identity, now)
            if count.used > budget.limit:
                headers = count.headers(now)
                headers["Retry-After"] = headers["RateLimit-Reset"]
                raise TooManyRequestsException(
                    f"too many requests; retry in {headers['Retry-After']} s", headers=headers
                )
            counts.append(count)
        tightest = min(counts, key=lambda count: (count.remaining, -count.reset_at))
        await next_app(scope, receive, _with_headers(send, tightest.headers(now)))

    def _identity(self, scope: Scope, app: Any, address: str) -> str:
        if self.partner:
            raw = _header(scope, b"x-api-key") or _bearer(scope)
            key_id = key_id_of(raw.strip())
            return f"key:{key_id}" if key_id else f"ip:{address}"
        token = _bearer(scope)
        if token:
            audience = "omni-staff" if scope["path"].startswith("/staff/") else "omni-api"
            try:
                principal = app.state.tokens.verify(token, audience)
            except TokenError:
                pass
            else:
                if principal.kind is not Kind.ANONYMOUS:
                    return f"sub:{principal.id}"
        return f"ip:{address}"


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            mutable = MutableScopeHeaders(message)
            for name, value in headers.items():
                mutable[name] = value
        await send(message)

    return wrapped


def partner_limit(settings: GatewaySettings) -> SharedRateLimit:
    """For the partner router: one budget per API key."""
    return SharedRateLimit(settings, partner=True)


def client_limit(settings: GatewaySettings) -> SharedRateLimit:
    """For everything else: per signed-in subject or client address, and the auth budgets."""
    return SharedRateLimit(settings, partner=False)
