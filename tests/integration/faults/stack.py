"""The crash harness: Omni's services as real OS processes, one of them armed to SIGKILL itself at
a named step (omni_kit.faults), clients that retry the way a careful client does, a watcher that
restarts whatever died (without the fault), and readers of every store and stream a checkout
touches, so a test can say what a crash cost: nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import nats
from google.protobuf import descriptor_pool, message_factory
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pymongo import AsyncMongoClient

from omni.catalog.v1 import catalog_pb2_grpc
from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni.customer.v1 import events_pb2 as customer_events
from omni.inventory.v1 import events_pb2 as inventory_events
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit import localstack
from omni_kit.errors import error_details
from omni_kit.events.names import AGGREGATE, EVENT_TYPE, MSG_ID
from omni_kit.idempotency import call_metadata
from omni_kit.protos import from_document

# The event modules register their messages in the default pool (decoded by type name).
_ = (customer_events, inventory_events, order_events)

WEB = common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB)
ADDRESS = common_pb2.Address(
    name="Kim", lines=["Invalidenstr. 1"], city="Berlin", postal_code="10115", country_code="DE"
)
CUSTOMER_ACTOR = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_CUSTOMER, id="fault-test")
CALLER = "fault-test"
# What a careful client retries, with the same key: the service down or restarting, a deadline
# passed while it was away, or the first attempt of the same key still running.
RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
IN_PROGRESS = "IDEMPOTENCY_REQUEST_IN_PROGRESS"
CLIENT_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]
SKUS = {"FAULT-TEE": 1200, "FAULT-MUG": 900}  # price in cents
RECEIVED = 40  # units of each SKU at the one warehouse
# The order events the customer service turns into timeline entries (its customer-orders).
TIMELINE_SUBJECTS = {
    "omni.order.order.placed",
    "omni.order.order.confirmed",
    "omni.order.order.payment_failed",
    "omni.order.order.cancelled",
}
SETTLED = {order_pb2.SAGA_STATUS_COMPLETED, order_pb2.SAGA_STATUS_COMPENSATED}


# `python -m omni_<name>`, after asking Linux for SIGTERM when the parent (the tests) dies.
LAUNCH = (
    "import ctypes, runpy, signal, sys; "
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM); "  # PR_SET_PDEATHSIG
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
)


def service_env(name: str, values: dict[str, str]) -> dict[str, str]:
    return {f"OMNI_{name.upper()}_{key.upper()}": value for key, value in values.items()}


@dataclass
class Process:
    """One service as an OS process on a fixed port, started again on the same port."""

    name: str
    port: int
    env: dict[str, str]
    fault: dict[str, str]
    log: Path
    proc: localstack.LocalProcess | None = None
    exits: list[int] = field(default_factory=list)

    def start(self, *, faulted: bool) -> None:
        env = os.environ | self.env | (self.fault if faulted else {})
        log = self.log.open("ab")
        # No preexec_fn: forking a process full of gRPC threads and running Python in the child
        # before exec can crash it (SIGSEGV). The child asks for SIGTERM when the tests die.
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, f"omni_{self.name}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        log.close()
        self.proc = localstack.LocalProcess(self.name, process, self.port, self.log)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def poll_exit(self) -> int | None:
        if self.proc is None or self.proc.running:
            return None
        return self.proc.process.returncode

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout=10)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


async def serving(address: str, within: float = 90.0) -> None:
    """Wait until a service answers its health check (the machine may be busy)."""
    deadline = time.monotonic() + within
    async with aio.insecure_channel(address, options=CLIENT_OPTIONS) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        while True:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{address} did not start serving within {within}s")
            await asyncio.sleep(0.1)


class Retrying:
    """Calls a unary RPC until it answers, under one key for every attempt (a bounded time)."""

    def __init__(self, within: float = 90.0) -> None:
        self.within = within
        self.retries: Counter[str] = Counter()
        self.slow: list[str] = []

    async def __call__(self, method: Callable[..., Awaitable[Any]], request: Any, key: str = ""):
        metadata = call_metadata(key, CALLER) if key else None
        deadline = time.monotonic() + self.within
        for attempt in itertools.count():
            began = time.monotonic()
            try:
                return await method(request, metadata=metadata, timeout=10)
            except grpc.aio.AioRpcError as error:
                code = error.code()
                if time.monotonic() - began > 3:
                    self.slow.append(
                        f"{type(request).__name__} {key} {code.name} "
                        f"{time.monotonic() - began:.1f}s {error.details()}"
                    )
                in_progress = (
                    code == grpc.StatusCode.ABORTED and error_details(error).reason == IN_PROGRESS
                )
                if not (code in RETRIED or in_progress) or time.monotonic() > deadline:
                    raise
                self.retries[IN_PROGRESS if in_progress else code.name] += 1
            await asyncio.sleep(min(0.1 * 1.5**attempt, 1.0))
        raise AssertionError("unreachable")


@dataclass
class Checkout:
    """One customer's checkout as the client saw it."""

    number: int
    profile_id: str = ""
    cart_id: str = ""
    place_key: str = ""
    answers: list[order_pb2.Order] = field(default_factory=list)


@dataclass
class Stack:
    """catalog, inventory, customer and order as processes; `fault` arms one of them."""

    mongo_uri: str
    nats_url: str
    db_name: str
    logs: Path
    catalog_address: str
    fault: tuple[str, str, int] | None = None
    processes: dict[str, Process] = field(default_factory=dict)
    deaths: list[tuple[str, int]] = field(default_factory=list)
    client: Retrying = field(default_factory=Retrying)
    location_id: str = ""

    def __post_init__(self) -> None:
        self.mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.mongo_uri, tz_aware=True
        )
        self._channels: list[aio.Channel] = []
        self._watcher: asyncio.Task[None] | None = None

    def db(self, service: str):
        return self.mongo[f"{self.db_name}_{service}"]

    def _channel(self, address: str) -> aio.Channel:
        self._channels.append(aio.insecure_channel(address, options=CLIENT_OPTIONS))
        return self._channels[-1]

    async def start(self) -> None:
        common = {
            "mongo_uri": self.mongo_uri,
            "nats_url": self.nats_url,
            "environment": "test",
            "log_level": os.environ.get("FAULT_TEST_LOG_LEVEL", "WARNING"),
        }
        ports = {name: localstack.free_port() for name in ("inventory", "customer", "order")}
        own = {
            "inventory": {},
            # A message the killed consumer had fetched comes back soon, not after 30 s.
            "customer": {"event_ack_wait_seconds": "2"},
            "order": {
                "catalog_addr": self.catalog_address,
                "inventory_addr": f"127.0.0.1:{ports['inventory']}",
                "downstream_timeout_seconds": "3",
                "payment_timeout_seconds": "3",
                "checkout_answer_seconds": "2",
                # A saga or a continuation left by a dead process is taken up within seconds.
                "saga_stale_seconds": "2",
                "saga_resume_interval_seconds": "0.5",
                "saga_retry_first_seconds": "0.3",
                "saga_retry_max_delay_seconds": "2",
                "idempotency_lease_seconds": "3",
            },
        }
        for name, port in ports.items():
            values = (
                common
                | own[name]
                | {
                    "grpc_port": str(port),
                    "mongo_database": f"{self.db_name}_{name}",
                }
            )
            fault: dict[str, str] = {}
            if self.fault and self.fault[0] == name:
                _, step, after = self.fault
                fault = service_env(name, {"fault_exit_at": step, "fault_exit_after": str(after)})
            process = Process(
                name, port, service_env(name, values), fault, self.logs / f"{name}.log"
            )
            process.start(faulted=True)
            self.processes[name] = process
        await asyncio.gather(*(serving(p.address) for p in self.processes.values()))
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self._channel(self.catalog_address))
        self.inventory = inventory_pb2_grpc.InventoryServiceStub(
            self._channel(self.processes["inventory"].address)
        )
        self.customer = customer_pb2_grpc.CustomerServiceStub(
            self._channel(self.processes["customer"].address)
        )
        self.order = order_pb2_grpc.OrderServiceStub(self._channel(self.processes["order"].address))
        self._watcher = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        """Restart, without the fault, any process that died; note who died and how. (The
        clients retry until it serves again.)"""
        while True:
            for process in self.processes.values():
                code = process.poll_exit()
                if code is None:
                    continue
                process.exits.append(code)
                self.deaths.append((process.name, code))
                process.start(faulted=False)
            await asyncio.sleep(0.05)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Stack]:
        """Started; closed on the way out, after printing its logs and stores if the body failed."""
        try:
            await self.start()
            yield self
        except BaseException:
            print(self.logs_tail())
            print(await self.describe())
            raise
        finally:
            await self.close()

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        for ch in self._channels:
            await ch.close()
        for process in self.processes.values():
            process.stop()
        await self.mongo.close()

    async def describe(self) -> str:
        """What the stores hold, for a failure message."""
        lines = [f"deaths: {self.deaths}; client retries: {dict(self.client.retries)}"]
        for order in await self.orders():
            lines.append(
                f"order {order.id} cart {order.cart_id} "
                f"{order_pb2.OrderStatus.Name(order.status)} "
                f"saga {order_pb2.SagaStatus.Name(order.saga.status)} "
                f"step {order_pb2.SagaStep.Name(order.saga.step)} "
                f"attempts {order.saga.attempts} {order.saga.last_error!r} "
                f"payment {[order_pb2.PaymentStatus.Name(p.status) for p in order.payments]}"
            )
        async for document in self.db("inventory")["reservations"].find():
            lines.append(
                f"reservation {document['_id']} {document.get('status')} "
                f"owner {document.get('owner')} held {document.get('held')}"
            )
        lines.append(f"outbox pending: {await self.pending_outbox()}")
        return "\n".join(lines)

    def logs_tail(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.tail()}" for p in self.processes.values())

    # -- the shop and the checkouts -----------------------------------------------------------

    async def open_shop(self) -> str:
        warehouse = await self.client(
            self.inventory.CreateStockLocation,
            inventory_pb2.CreateStockLocationRequest(
                location=inventory_pb2.StockLocation(
                    code="WH-F",
                    name="Warehouse F",
                    kind=inventory_pb2.LOCATION_KIND_WAREHOUSE,
                    geo=common_pb2.GeoPoint(lat=52.5, lng=13.4),
                    capabilities=inventory_pb2.LocationCapabilities(ships=True),
                )
            ),
            key=f"{self.db_name}-location",
        )
        self.location_id = location_id = warehouse.location.id
        await self.client(
            self.inventory.ReceiveStock,
            inventory_pb2.ReceiveStockRequest(
                location_id=location_id,
                lines=[inventory_pb2.StockQuantity(sku=sku, quantity=RECEIVED) for sku in SKUS],
                reference="PO-F",
            ),
            key=f"{self.db_name}-receipt",
        )
        return location_id

    async def checkout(self, checkout: Checkout) -> None:
        """A customer's profile, cart, one line, then PlaceOrder, asked once more at the end."""
        number = checkout.number
        tag = f"{self.db_name}-{number}"
        profile = await self.client(
            self.customer.FindOrCreateProfile,
            customer_pb2.FindOrCreateProfileRequest(
                identity=customer_pb2.Identity(
                    kind=customer_pb2.IDENTITY_KIND_EMAIL, value=f"kim{number}@example.com"
                ),
                display_name=f"Kim {number}",
            ),
            key=f"{tag}-profile",
        )
        checkout.profile_id = profile.profile.id
        cart = await self.client(
            self.order.GetOrCreateCart,
            order_pb2.GetOrCreateCartRequest(customer_id=checkout.profile_id, channel=WEB),
            key=f"{tag}-cart",
        )
        checkout.cart_id = cart.cart.id
        sku = list(SKUS)[number % len(SKUS)]
        await self.client(
            self.order.AddCartLine,
            order_pb2.AddCartLineRequest(
                cart_id=checkout.cart_id, sku=sku, quantity=1 + number % 2, channel=WEB
            ),
            key=f"{tag}-add",
        )
        checkout.place_key = f"{tag}-place"
        place = order_pb2.PlaceOrderRequest(
            cart_id=checkout.cart_id,
            delivery=order_pb2.DeliveryChoice(
                mode=common_pb2.DELIVERY_MODE_HOME_DELIVERY, address=ADDRESS
            ),
            payment_method=order_pb2.PAYMENT_METHOD_ONLINE_CARD,
            payment_token="tok_visa",
            channel=WEB,
            actor=CUSTOMER_ACTOR,
        )
        for _ in range(2):  # the second ask must answer the same order
            reply = await self.client(self.order.PlaceOrder, place, key=checkout.place_key)
            checkout.answers.append(reply.order)

    # -- reading what happened ----------------------------------------------------------------

    async def orders(self) -> list[order_pb2.Order]:
        documents = await self.db("order")["orders"].find().to_list(None)
        return [from_document(document, order_pb2.Order) for document in documents]

    async def pending_outbox(self) -> dict[str, int]:
        return {
            name: await self.db(name)["outbox"].count_documents({"sent_at": None})
            for name in self.processes
        }

    async def stream(self, name: str) -> list[Event]:
        """Every message in a JetStream stream, decoded by the type its header names."""
        nc = await nats.connect(self.nats_url)
        try:
            js = nc.jetstream()
            info = await js.stream_info(name)
            events = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    raw = await js.get_msg(name, seq)
                except nats.js.errors.NotFoundError:
                    continue
                headers = raw.headers or {}
                events.append(Event.of(raw.subject or "", headers, raw.data or b""))
            return events
        finally:
            await nc.close()

    async def settle(self, expected_orders: int, within: float = 60.0) -> str:
        """Wait until sagas ended, outboxes are drained and the customer has caught up; returns
        what is still unsettled ("" when nothing is)."""
        deadline = time.monotonic() + within
        while True:
            left = await self._unsettled(expected_orders)
            if not left or time.monotonic() > deadline:
                return left
            await asyncio.sleep(0.5)

    async def _unsettled(self, expected_orders: int) -> str:
        orders = await self.orders()
        running = [o.id for o in orders if o.saga.status not in SETTLED]
        if len(orders) < expected_orders or running:
            return f"{len(orders)} orders, sagas running: {running}"
        pending = {k: v for k, v in (await self.pending_outbox()).items() if v}
        if pending:
            return f"outbox pending: {pending}"
        ids = {o.id for o in orders}
        wanted = {
            e.event_id
            for e in await self.stream("OMNI_ORDER")
            if e.subject in TIMELINE_SUBJECTS and e.aggregate_id in ids
        }
        entries = await self.db("customer")["timeline"].count_documents(
            {"source_event_id": {"$in": sorted(wanted)}}
        )
        if entries < len(wanted):
            return f"timeline has {entries} of {len(wanted)} order events"
        holds = await self.db("inventory")["reservations"].count_documents(
            {"kind": "RESERVATION_KIND_CART_HOLD", "status": "RESERVATION_STATUS_ACTIVE"}
        )
        if holds:
            return f"{holds} cart holds still active"
        return ""


@dataclass(frozen=True)
class Event:
    subject: str
    event_id: str
    aggregate: str
    message: Any

    @property
    def aggregate_id(self) -> str:
        return self.aggregate.partition(":")[2]

    @classmethod
    def of(cls, subject: str, headers: dict[str, str], data: bytes) -> Event:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(headers[EVENT_TYPE])
        message = message_factory.GetMessageClass(descriptor).FromString(data)
        return cls(subject, headers.get(MSG_ID, ""), headers.get(AGGREGATE, ""), message)


def facts_seen_twice(events: list[Event], fact: Callable[[Event], Any]) -> dict[Any, list[str]]:
    """Facts that reached the stream under more than one event id (a real duplicate: the same
    id twice would have been dropped by JetStream's duplicate window)."""
    ids: dict[Any, set[str]] = defaultdict(set)
    for event in events:
        key = fact(event)
        if key is not None:
            ids[key].add(event.event_id)
    return {key: sorted(found) for key, found in ids.items() if len(found) > 1}


KILLED = -signal.SIGKILL  # the return code of a process that died by SIGKILL


def check_one_order_per_key(checkouts: list[Checkout], orders: list[order_pb2.Order]) -> None:
    """Every answer under a key is the same order, and the store holds one order per key and
    per cart, each confirmed: stock and card were fine, so no crash may turn a customer away."""
    for checkout in checkouts:
        answered = {order.id for order in checkout.answers}
        assert len(answered) == 1, f"key {checkout.place_key} answered orders {answered}"
    per_cart = Counter(order.cart_id for order in orders)
    assert len(orders) == len(checkouts), f"{len(orders)} orders for {len(checkouts)} keys"
    assert set(per_cart) == {c.cart_id for c in checkouts}, per_cart
    assert max(per_cart.values()) == 1, f"a cart became two orders: {per_cart}"
    assert {c.answers[0].id for c in checkouts} == {order.id for order in orders}
    statuses = Counter(order_pb2.OrderStatus.Name(order.status) for order in orders)
    assert statuses == {"ORDER_STATUS_CONFIRMED": len(orders)}, statuses


async def check_payments(stack: Stack, orders: list[order_pb2.Order]) -> dict[str, int]:
    """One payment per order, authorized once: confirmed orders hold an authorization, others
    none (voided or failed). Read from the test provider's ledger when the order service keeps
    one (collection test_provider_payments), else from the orders' payment records."""
    keys = [payment.id for order in orders for payment in order.payments]
    assert len(keys) == len(set(keys)) == len(orders), f"payments per order: {keys}"
    ledger = {
        entry["_id"]: entry async for entry in stack.db("order")["test_provider_payments"].find()
    }
    authorized = 0
    for order in orders:
        payment = order.payments[0]
        confirmed = order.status == order_pb2.ORDER_STATUS_CONFIRMED
        if ledger:
            entry = ledger.get(payment.id, {})
            held = bool(entry.get("authorize", {}).get("approved")) and "void" not in entry
        else:
            held = payment.status == order_pb2.PAYMENT_STATUS_AUTHORIZED
            assert payment.provider_ref == (f"test_auth_{payment.id}" if held else "")
        assert held == confirmed, (
            f"order {order.id} {order_pb2.OrderStatus.Name(order.status)}: {payment}"
        )
        authorized += held
    if ledger:
        assert set(ledger) <= set(keys), (
            f"the provider saw unknown payments: {set(ledger) - set(keys)}"
        )
    repeats = sum(entry.get("authorize", {}).get("repeats", 0) for entry in ledger.values())
    return {
        "authorized": authorized,
        "from_provider_ledger": int(bool(ledger)),
        "provider_authorize_repeats": repeats,
    }


async def check_events(
    stack: Stack, orders: list[order_pb2.Order], profiles: set[str]
) -> dict[str, int]:
    """Every event each service stored was published, and each fact once: no order placed or
    confirmed twice under different event ids, no reservation reserved twice, no timeline
    entry or loyalty award announced twice."""
    streams = {
        "order": await stack.stream("OMNI_ORDER"),
        "inventory": await stack.stream("OMNI_INVENTORY"),
        "customer": await stack.stream("OMNI_CUSTOMER"),
    }
    stored_events = 0
    for service, events in streams.items():
        stored = {row["_id"] async for row in stack.db(service)["outbox"].find({}, {"_id": 1})}
        missing = stored - {event.event_id for event in events}
        assert not missing, f"{service}: {len(missing)} stored events never published"
        # A republished event (a crash between publish and mark-sent) was dropped by JetStream.
        copies = [
            i for i, n in Counter(e.event_id for e in events).items() if n > 1 and i in stored
        ]
        assert not copies, f"{service}: events in the stream more than once: {copies}"
        stored_events += len(stored)
    ids = {order.id for order in orders}
    mine = [e for e in streams["order"] if e.aggregate_id in ids]
    twice = facts_seen_twice(mine, lambda e: (e.aggregate_id, e.subject))
    assert not twice, f"order facts published under several ids: {twice}"
    for order in orders:
        subjects = sorted(e.subject for e in mine if e.aggregate_id == order.id)
        assert subjects == ["omni.order.order.confirmed", "omni.order.order.placed"], subjects
    location = f"@{stack.location_id}"
    stock = [e for e in streams["inventory"] if e.aggregate.endswith(location)]
    reservations = [
        e
        for e in streams["inventory"]
        if e.aggregate.startswith("reservation:")
        and e.message.meta.source == "inventory"
        and _owner(e) in {o.cart_id for o in orders} | ids
    ]
    twice = facts_seen_twice(
        stock, lambda e: (e.aggregate, e.subject, e.message.meta.aggregate_version)
    ) | facts_seen_twice(reservations, lambda e: (e.aggregate, e.subject))
    assert not twice, f"inventory facts published under several ids: {twice}"
    customer = [e for e in streams["customer"] if _profile(e) in profiles]
    twice = facts_seen_twice(customer, _customer_fact)
    assert not twice, f"customer facts published under several ids: {twice}"
    return {
        "events_stored_and_published": stored_events,
        "order_events": len(mine),
        "inventory_events": len(stock) + len(reservations),
        "customer_events": len(customer),
        "facts_published_twice": 0,
    }


async def check_settled(
    stack: Stack, checkouts: list[Checkout]
) -> tuple[list[order_pb2.Order], dict[str, Any]]:
    """Every check above on a settled stack; the orders and the figures they found."""
    orders = await stack.orders()
    profiles = {c.profile_id for c in checkouts}
    check_one_order_per_key(checkouts, orders)
    payments = await check_payments(stack, orders)
    events = await check_events(stack, orders, profiles)
    entries = await check_timeline(stack, orders, profiles)
    stock = await check_stock(stack, orders)
    return orders, {**payments, **events, "timeline_entries": entries, **stock}


def _owner(event: Event) -> str:
    owner = event.message.reservation.owner
    return owner.order_id or owner.cart_id


def _profile(event: Event) -> str:
    message = event.message
    if isinstance(message, customer_events.TimelineEntryAdded):
        return message.entry.profile_id
    return getattr(message, "profile_id", "") or getattr(
        getattr(message, "profile", None), "id", ""
    )


def _customer_fact(event: Event) -> Any:
    message = event.message
    if isinstance(message, customer_events.TimelineEntryAdded):
        return ("timeline", message.entry.id)
    if isinstance(message, customer_events.LoyaltyAdjusted):
        return ("loyalty", message.order_id or message.meta.event_id)
    if isinstance(message, customer_events.ProfileCreated):
        return ("created", message.profile.id)
    return None


async def check_timeline(stack: Stack, orders: list[order_pb2.Order], profiles: set[str]) -> int:
    """The customer's timeline has one entry per order event (through its inbox), and a
    confirmed order earned its points once."""
    ids = {order.id for order in orders}
    wanted = Counter(
        e.event_id
        for e in await stack.stream("OMNI_ORDER")
        if e.aggregate_id in ids and e.subject in TIMELINE_SUBJECTS
    )
    entries = (
        await stack.db("customer")["timeline"]
        .find({"profile_id": {"$in": sorted(profiles)}})
        .to_list(None)
    )
    made = Counter(entry["source_event_id"] for entry in entries if entry.get("source_event_id"))
    assert made == wanted, f"timeline entries per order event: {made} (wanted {wanted})"
    points = [e for e in entries if e.get("type") == "TIMELINE_ENTRY_TYPE_LOYALTY"]
    assert len(points) == len(orders), f"{len(points)} loyalty entries for {len(orders)} orders"
    awards = (
        await stack.db("customer")["loyalty_ledger"]
        .find({"profile_id": {"$in": sorted(profiles)}})
        .to_list(None)
    )
    earned = Counter(award["_id"] for award in awards)
    assert earned == Counter(f"order:{order.id}" for order in orders), earned
    return len(entries)


async def check_stock(stack: Stack, orders: list[order_pb2.Order]) -> dict[str, int | str]:
    """Every cart hold was turned into its order's reservation or released; each confirmed
    order holds exactly its units; the levels' on hand is exactly what the ledger says was
    received minus committed, and reserved exactly what the live reservations hold."""
    documents = await stack.db("inventory")["reservations"].find().to_list(None)
    reservations = [from_document(d, inventory_pb2.Reservation) for d in documents]
    active = [r for r in reservations if r.status == inventory_pb2.RESERVATION_STATUS_ACTIVE]
    holds = [r.id for r in active if r.kind == inventory_pb2.RESERVATION_KIND_CART_HOLD]
    assert not holds, f"cart holds still active after every cart was checked out: {holds}"
    by_order = {
        r.owner.order_id: r for r in active if r.kind == inventory_pb2.RESERVATION_KIND_ORDER
    }
    assert set(by_order) == {order.id for order in orders}, "order reservations vs orders"
    wanted: Counter[str] = Counter()
    for order in orders:
        reservation = by_order[order.id]
        assert reservation.id == order.reservation_id
        units = Counter({line.sku: line.quantity for line in order.lines})
        held: Counter[str] = Counter()
        for line in reservation.lines:
            held[line.sku] += line.quantity - line.committed_quantity - line.released_quantity
        assert held == units, f"order {order.id} wants {units}, its reservation holds {held}"
        wanted += units
    held_at: Counter[tuple[str, str]] = Counter()
    for reservation in active:
        for line in reservation.lines:
            left = line.quantity - line.committed_quantity - line.released_quantity
            held_at[(line.sku, line.location_id)] += left
    levels = await stack.inventory.ListStockLevels(
        inventory_pb2.ListStockLevelsRequest(skus=list(SKUS), location_ids=[stack.location_id])
    )
    assert len(levels.stock_levels) == len(SKUS)
    for level in levels.stock_levels:
        ledger = await stack.inventory.ListLedgerEntries(
            inventory_pb2.ListLedgerEntriesRequest(
                sku=level.sku, location_id=level.location_id, page_size=200
            )
        )
        received = sum(
            e.quantity_delta
            for e in ledger.entries
            if e.kind == inventory_pb2.MOVEMENT_KIND_RECEIPT
        )
        committed = -sum(
            e.quantity_delta
            for e in ledger.entries
            if e.kind == inventory_pb2.MOVEMENT_KIND_RESERVATION_COMMIT
        )
        assert received == RECEIVED and committed == 0, (level.sku, received, committed)
        assert sum(e.quantity_delta for e in ledger.entries) == received - committed
        assert level.on_hand == received - committed, (level.sku, level.on_hand)
        assert level.reserved == held_at[(level.sku, level.location_id)], (
            level.sku,
            level.reserved,
            held_at,
        )
        assert level.reserved == wanted[level.sku], (level.sku, level.reserved, wanted)
        assert level.available == level.on_hand - level.reserved
    return {
        "reserved_units": sum(wanted.values()),
        "holds_made": sum(r.kind == inventory_pb2.RESERVATION_KIND_CART_HOLD for r in reservations),
        # In the order they were made: H a cart hold, O an order's reservation.
        "reservations_made": "".join(
            "H" if r.kind == inventory_pb2.RESERVATION_KIND_CART_HOLD else "O"
            for r in sorted(reservations, key=lambda r: r.created_at.ToNanoseconds())
        ),
        "holds_active": len(holds),
    }
