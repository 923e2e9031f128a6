"""The one HTTP client for calls that leave the platform (partner webhooks, notification
providers, payment and carrier adapters).

A destination is checked where the connection is made: the host is read the way a resolver
would read it (decimal, octal, hex and short IPv4, IPv6 with embedded IPv4), a name is resolved
here, every address it resolves to must be public, and the socket connects to the address that
was checked, so a name that changes its answer between the check and the connection (DNS
rebinding) cannot move it. TLS still verifies the certificate for the name in the URL, and the
Host header stays the name. Callers learn only what they may show a partner: "destination not
allowed" or "delivery failed: ...", never the text of an internal exception.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

NOT_ALLOWED = "destination not allowed"
MAX_RESPONSE_BYTES = 1_000_000


@dataclass(frozen=True)
class OutboundPolicy:
    """What a process may call. Production: public https only; tests and local development may
    allow http and loopback or private receivers."""

    allow_http: bool = False
    allow_private_networks: bool = False


class DestinationNotAllowed(Exception):
    """The URL or the address it resolves to is not a public destination. `reason` is for logs
    and for the caller who typed the URL; a partner's delivery log shows only NOT_ALLOWED."""

    public = NOT_ALLOWED

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(Exception):
    """The request did not get an answer; `public` says why in words safe to show anyone."""

    def __init__(self, what: str) -> None:
        self.public = f"delivery failed: {what}"
        super().__init__(self.public)


def status_failure(status_code: int) -> str:
    return f"delivery failed: HTTP {status_code}"


# Ranges that are never a public destination, each with the word a log line uses for it.
_METADATA = {
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle instance metadata
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (a public address)
        "192.0.0.192",  # Oracle Cloud (legacy)
        "fd00:ec2::254",  # AWS metadata over IPv6
        "fd00:ec2::23",  # AWS VPC DNS over IPv6
    )
}
_BLOCKED: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = [
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private network"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private network"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "reserved"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private network"),
        ("198.18.0.0/15", "reserved"),
        ("198.51.100.0/24", "reserved"),
        ("203.0.113.0/24", "reserved"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/8", "reserved"),  # IPv4-compatible and other deprecated forms
        ("64:ff9b:1::/48", "private network"),  # local-use NAT64
        ("100::/64", "reserved"),
        ("2001::/23", "reserved"),  # Teredo, benchmarking, ORCHID
        ("2001:db8::/32", "reserved"),
        ("fc00::/7", "private network"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private network"),
        ("ff00::/8", "multicast"),
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Names that only mean something inside a network: cluster services, mDNS, cloud-internal DNS.
_INTERNAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home",
    ".corp",
    ".home.arpa",
    ".svc",
    ".arpa",
)
_NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def ip_literal(host: str) -> IPAddress | None:
    """The address a host names when it is an address in any notation a resolver accepts, None
    when it is a name. A host whose last label is a number but is no valid address (`08.1`,
    `1.2.3.256`) is refused: a resolver or another parser may still read it as one."""
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise DestinationNotAllowed(f"{host!r} is not a valid IPv6 address") from None
    labels = host.removesuffix(".").split(".")
    if not _NUMBER.match(labels[-1]):
        return None
    numbers = [_ipv4_number(label) for label in labels]
    if len(numbers) > 4 or any(n is None for n in numbers):
        raise DestinationNotAllowed(f"{host!r} is not a valid address")
    *leading, last = typing.cast(list[int], numbers)
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise DestinationNotAllowed(f"{host!r} is not a valid address")
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ipv4_number(label: str) -> int | None:
    try:
        if label[:2] in ("0x", "0X"):
            return int(label[2:] or "0", 16)
        if len(label) > 1 and label.startswith("0"):
            return int(label[1:], 8)
        return int(label, 10)
    except ValueError:
        return None


def address_refusal(address: IPAddress) -> str | None:
    """Why an address is not a public destination, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(address.compressed.split("%")[0])
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refusal(embedded)
    if address in _METADATA:
        return "cloud metadata"
    for network, why in _BLOCKED:
        if address in network:
            return why
    if not address.is_global:
        return "reserved"
    return None


def name_refusal(host: str) -> str | None:
    """Why a host name cannot be a public destination without asking DNS, or None."""
    name = host.lower().removesuffix(".")
    if not name or name == "localhost":
        return "loopback"
    if "." not in name:
        return "not a fully qualified public name"
    if name.endswith(_INTERNAL_SUFFIXES):
        return "an internal name"
    return None


def url_refusal(url: str, policy: OutboundPolicy) -> str | None:
    """Why a URL is refused before any DNS look-up (its scheme, its host as written), or None.
    Registration forms use it; every request then checks the resolved addresses again."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return "is not a valid URL"
    if parsed.scheme not in ({"https", "http"} if policy.allow_http else {"https"}):
        return "must be an https:// URL"
    if not parsed.host:
        return "must name a host"
    if parsed.userinfo:
        return "must not carry credentials"
    try:
        literal = ip_literal(parsed.host)
    except DestinationNotAllowed as refused:
        return f"{NOT_ALLOWED}: {refused.reason}"
    if policy.allow_private_networks:
        return None
    why = address_refusal(literal) if literal is not None else name_refusal(parsed.host)
    return f"{NOT_ALLOWED}: {why}" if why else None


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_addresses(
    host: str, port: int, policy: OutboundPolicy, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """The addresses to connect to for `host`, every one of them allowed by `policy`."""
    literal = ip_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        if not policy.allow_private_networks and (why := name_refusal(host)):
            raise DestinationNotAllowed(f"{host}: {why}")
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await resolver(host, port)]
        except (OSError, UnicodeError, ValueError):
            raise DeliveryFailed("host not found") from None
        if not addresses:
            raise DeliveryFailed("host not found")
    if not policy.allow_private_networks:
        for address in addresses:
            if why := address_refusal(address):
                # One private answer refuses the name: which address a connection gets is
                # the resolver's choice, not ours.
                raise DestinationNotAllowed(f"{host} resolves to {address}: {why}")
    return addresses


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked address of a host instead of letting the socket layer resolve
    it again. TLS (started by httpcore afterwards) verifies the certificate for the URL's name."""

    def __init__(self, policy: OutboundPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(host, port, self.policy, self.resolver)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise DestinationNotAllowed("unix sockets are not a destination")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _PinnedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: OutboundPolicy, resolver: Resolver) -> None:
        super().__init__(trust_env=False)
        # The same pool httpx builds, but connecting through the checking backend; no proxy
        # (a proxy would make the connection, and the check, somebody else's).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_PinnedBackend(policy, resolver),
        )


@dataclass(frozen=True)
class Reply:
    status_code: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class OutboundClient:
    """Requests to destinations outside the platform, checked at every request."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        timeout: float,
        resolver: Resolver = system_resolver,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.policy = policy
        self.max_response_bytes = max_response_bytes
        self._http = httpx.AsyncClient(
            transport=_PinnedTransport(policy, resolver),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
        )

    async def post(
        self,
        url: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """The reply (any status), or DestinationNotAllowed / DeliveryFailed."""
        return await self.request(
            "POST", url, content=content, json=json, data=data, headers=headers
        )

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        return await self.request("GET", url, params=params, headers=headers)

    async def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """The reply (any status), or DestinationNotAllowed / DeliveryFailed. `data` is sent
        form-encoded."""
        why = url_refusal(url, self.policy)
        if why:
            raise DestinationNotAllowed(why)
        try:
            async with self._http.stream(
                method,
                url,
                content=content,
                json=json,
                data=data,
                params=params,
                headers=headers,
            ) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_response_bytes:
                        break  # the status is what matters; the rest is not read
                return Reply(response.status_code, bytes(body[: self.max_response_bytes]))
        except (DestinationNotAllowed, DeliveryFailed):
            raise
        except httpx.TimeoutException:
            raise DeliveryFailed("timeout") from None
        except httpx.ConnectError as error:
            raise DeliveryFailed(_connect_failure(error)) from None
        except httpx.HTTPError:
            raise DeliveryFailed("the connection failed") from None

    async def aclose(self) -> None:
        await self._http.aclose()


def _connect_failure(error: BaseException) -> str:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, ssl.SSLError):
            return "TLS handshake failed"
        seen = seen.__cause__ or seen.__context__
    return "could not connect"
