"""The kit's outbound client: loopback, private, link-local, CGNAT, multicast, reserved and cloud
metadata destinations refused in every notation, before a request and where it connects; names
checked by what they resolve to at each request; allowed receivers reached on the checked
address; failures told in words safe to show a partner."""

from __future__ import annotations

import ipaddress

import pytest

from omni_kit.outbound import (
    NOT_ALLOWED,
    DeliveryFailed,
    DestinationNotAllowed,
    OutboundClient,
    OutboundPolicy,
    checked_addresses,
    ip_literal,
    url_refusal,
)

PRODUCTION = OutboundPolicy()
LOCAL = OutboundPolicy(allow_http=True, allow_private_networks=True)
PUBLIC_ADDRESS = "93.184.215.14"

# Each host, as written in a URL, and the address a resolver reads it as.
NOTATIONS = [
    ("127.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("0x7f.0.0.1", "127.0.0.1"),
    ("0177.0.0.01", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"),
    ("[::1]", "::1"),
    ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
    ("[::ffff:7f00:1]", "::ffff:127.0.0.1"),
    ("[::127.0.0.1]", "::127.0.0.1"),
    ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1"),
    ("[2002:7f00:1::]", "2002:7f00:1::"),
    ("0", "0.0.0.0"),
    ("0.0.0.0", "0.0.0.0"),
    ("[::]", "::"),
    ("10.0.0.8", "10.0.0.8"),
    ("0xa000008", "10.0.0.8"),
    ("172.16.3.4", "172.16.3.4"),
    ("192.168.1.1", "192.168.1.1"),
    ("3232235777", "192.168.1.1"),
    ("100.64.0.1", "100.64.0.1"),
    ("169.254.169.254", "169.254.169.254"),
    ("2852039166", "169.254.169.254"),
    ("0xa9fea9fe", "169.254.169.254"),
    ("[::ffff:169.254.169.254]", "::ffff:169.254.169.254"),
    ("[fd00:ec2::254]", "fd00:ec2::254"),
    ("100.100.100.200", "100.100.100.200"),
    ("168.63.129.16", "168.63.129.16"),
    ("[fe80::1]", "fe80::1"),
    ("[fc00::5]", "fc00::5"),
    ("224.0.0.1", "224.0.0.1"),
    ("[ff02::1]", "ff02::1"),
    ("240.0.0.1", "240.0.0.1"),
    ("255.255.255.255", "255.255.255.255"),
    ("198.18.0.1", "198.18.0.1"),
]
INTERNAL_NAMES = [
    "localhost",
    "LOCALHOST.",
    "api.localhost",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "metadata.google.internal",
    "metadata",
    "printer.local",
    "1.0.0.127.in-addr.arpa",
]


@pytest.mark.parametrize(("host", "address"), NOTATIONS, ids=[h for h, _ in NOTATIONS])
def test_every_notation_reads_as_the_address_a_resolver_would_use(host, address):
    assert ip_literal(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", [h for h, _ in NOTATIONS])
def test_every_notation_of_an_internal_address_is_refused_before_the_request(host):
    why = url_refusal(f"https://{host}/hook", PRODUCTION)
    # httpx itself rejects a few notations (`0177.0.0.01`): such a URL can never be called.
    assert why is not None and why.startswith((NOT_ALLOWED, "is not a valid URL")), why


@pytest.mark.parametrize("host", [h for h, _ in NOTATIONS])
async def test_every_notation_is_refused_where_the_connection_is_made(host):
    """The connection-time check stands alone: it refuses what the URL check would have."""
    name = host.strip("[]")
    with pytest.raises(DestinationNotAllowed):
        await checked_addresses(name, 443, PRODUCTION, resolver=_never)


@pytest.mark.parametrize("host", ["08.0.0.1", "1.2.3.256", "0x1.0x100.0.0", "1.2.3.4.5"])
async def test_numbers_that_are_no_valid_address_are_refused_not_looked_up(host):
    with pytest.raises(DestinationNotAllowed):
        await checked_addresses(host, 443, PRODUCTION, resolver=_never)


@pytest.mark.parametrize("host", INTERNAL_NAMES)
def test_internal_names_are_refused_without_asking_dns(host):
    why = url_refusal(f"https://{host}/hook", PRODUCTION)
    assert why is not None and why.startswith(NOT_ALLOWED), why


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "must be an https:// URL"),
        ("ftp://hooks.example.com/x", "must be an https:// URL"),
        ("https:///x", "must name a host"),
        ("https://user:secret@hooks.example.com/x", "must not carry credentials"),
    ],
)
def test_scheme_host_and_credentials_are_checked(url, why):
    assert url_refusal(url, PRODUCTION) == why


def test_public_destinations_pass_and_test_mode_allows_local_ones():
    assert url_refusal("https://hooks.example.com/x", PRODUCTION) is None
    assert url_refusal(f"https://{PUBLIC_ADDRESS}/x", PRODUCTION) is None
    assert url_refusal("https://[2606:4700::1111]/x", PRODUCTION) is None
    assert url_refusal("https://[::ffff:8.8.8.8]/x", PRODUCTION) is None
    assert url_refusal("http://127.0.0.1:8080/x", LOCAL) is None
    assert url_refusal("http://localhost/x", LOCAL) is None


class Resolver:
    """Answers each look-up with the next planned list of addresses (the last one repeats)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


async def _never(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} must not be looked up")


async def test_a_name_resolving_to_loopback_is_refused_at_the_request():
    resolver = Resolver(["127.0.0.1"])
    client = OutboundClient(PRODUCTION, timeout=2, resolver=resolver)
    with pytest.raises(DestinationNotAllowed) as refused:
        await client.post("https://loopback.example.com/hook", json={})
    await client.aclose()
    assert resolver.asked == ["loopback.example.com"]
    assert "127.0.0.1" in refused.value.reason
    assert refused.value.public == NOT_ALLOWED


async def test_one_private_answer_among_public_ones_refuses_the_name():
    client = OutboundClient(PRODUCTION, timeout=2, resolver=Resolver([PUBLIC_ADDRESS, "10.1.2.3"]))
    with pytest.raises(DestinationNotAllowed):
        await client.post("https://mixed.example.com/hook", json={})
    await client.aclose()


async def test_a_name_public_when_checked_and_private_at_delivery_is_refused_at_delivery():
    resolver = Resolver([PUBLIC_ADDRESS], ["169.254.169.254"])
    url = "https://rebind.example.com/hook"
    assert url_refusal(url, PRODUCTION) is None  # what a registration form sees
    assert await checked_addresses("rebind.example.com", 443, PRODUCTION, resolver) == [
        ipaddress.ip_address(PUBLIC_ADDRESS)
    ]
    client = OutboundClient(PRODUCTION, timeout=2, resolver=resolver)
    with pytest.raises(DestinationNotAllowed) as refused:
        await client.post(url, json={})
    await client.aclose()
    assert "cloud metadata" in refused.value.reason


async def test_an_allowed_loopback_receiver_gets_the_request_in_test_mode(loopback_receiver):
    client = OutboundClient(LOCAL, timeout=5)
    reply = await client.post(f"http://127.0.0.1:{loopback_receiver.port}/hook", json={"n": 1})
    assert (reply.status_code, reply.ok, reply.json()) == (200, True, {"id": "m-1"})
    assert loopback_receiver.requests[0][0] == "/hook"

    # The same receiver under the production policy: refused, and nothing arrives.
    strict = OutboundClient(OutboundPolicy(allow_http=True), timeout=5)
    for host in ("127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "localhost"):
        with pytest.raises(DestinationNotAllowed):
            await strict.post(f"http://{host}:{loopback_receiver.port}/refused", json={})
    assert loopback_receiver.paths == ["/hook"]
    await client.aclose()
    await strict.aclose()


async def test_the_connection_goes_to_the_checked_address_and_keeps_the_name(loopback_receiver):
    """A name is looked up once per connection, by the client; the socket connects to that
    answer, and the request still names the host it was meant for."""
    resolver = Resolver(["127.0.0.1"])
    client = OutboundClient(LOCAL, timeout=5, resolver=resolver)
    reply = await client.post(
        f"http://hooks.partner.example:{loopback_receiver.port}/pinned", json={}
    )
    await client.aclose()
    assert reply.status_code == 200
    assert resolver.asked == ["hooks.partner.example"]
    [(path, headers)] = loopback_receiver.requests
    assert path == "/pinned"
    assert headers["Host"] == f"hooks.partner.example:{loopback_receiver.port}"


async def test_failures_are_told_in_fixed_words(loopback_receiver):
    client = OutboundClient(LOCAL, timeout=0.5)
    loopback_receiver.status = 503
    reply = await client.post(f"http://127.0.0.1:{loopback_receiver.port}/busy", json={})
    assert (reply.status_code, reply.ok) == (503, False)

    with pytest.raises(DeliveryFailed) as refused:
        await client.post("http://127.0.0.1:1/closed", json={})
    assert refused.value.public == "delivery failed: connection refused"

    loopback_receiver.hang.set()
    with pytest.raises(DeliveryFailed) as slow:
        await client.post(f"http://127.0.0.1:{loopback_receiver.port}/slow", json={})
    assert slow.value.public == "delivery failed: timeout"
    await client.aclose()

    async def unknown(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    lost = OutboundClient(PRODUCTION, timeout=1, resolver=unknown)
    with pytest.raises(DeliveryFailed) as missing:
        await lost.post("https://nowhere.example.com/x", json={})
    assert missing.value.public == "delivery failed: host not found"
    await lost.aclose()
