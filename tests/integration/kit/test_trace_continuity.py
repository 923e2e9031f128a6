"""One trace from a gRPC client, through a server that commits a change and its event, across
the outbox relay and NATS, to the consumer that handles the event."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import wrappers_pb2
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from omni_kit.app import ServiceApp, channel
from omni_kit.events import Consumer, EventBus, EventContext, Outbox, OutboxRelay, stream_name
from omni_kit.ids import new_id
from omni_kit.settings import ServiceSettings
from omni_kit.store import transaction
from omni_kit.telemetry import setup_telemetry

SERVICE = "tracetest.Probe"
CLIENT, SERVER = trace.SpanKind.CLIENT, trace.SpanKind.SERVER
PRODUCER, CONSUMER = trace.SpanKind.PRODUCER, trace.SpanKind.CONSUMER


class TraceSettings(ServiceSettings):
    service_name: str = "tracetest"
    grpc_port: int = 0


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        # The global provider is installed once per process; listen in on the existing one.
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        setup_telemetry("tracetest", exporter=exporter)
    yield exporter
    exporter.shutdown()


@pytest.fixture
async def domain(nc):
    domain = new_id("trace")[:14]
    yield domain
    await nc.jetstream().delete_stream(stream_name(domain))


async def test_one_trace_runs_from_the_grpc_client_to_the_event_consumer(
    spans, mongo, db_name, nats_url, domain
):
    subject = f"omni.{domain}.item.changed"
    settings = TraceSettings(mongo_database=db_name, nats_url=nats_url)
    app = ServiceApp(settings)
    db = mongo[db_name]
    bus = EventBus.from_settings(settings, publish_timeout=2.0)
    outbox = Outbox(db)
    relay = OutboxRelay(db, bus, settings.service_name)
    handled: asyncio.Queue[str] = asyncio.Queue()

    async def change(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        async def work(session) -> str:
            await db.items.insert_one(
                {"_id": request.decode(), "state": "changed"}, session=session
            )
            return await outbox.add(session, subject, wrappers_pb2.StringValue(value="sku-1"))

        event_id = await transaction(mongo, work)
        relay.notify()
        return event_id.encode()

    async def on_changed(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        await handled.put(context.event_id)

    consumer = Consumer(
        bus,
        stream_name(domain),
        "trace-consumer",
        subject,
        on_changed,
        wrappers_pb2.StringValue,
        fetch_timeout=0.2,
    )

    async def start_events() -> None:
        await bus.connect()
        await bus.ensure_domain_stream(domain)
        await outbox.ensure_indexes()

    generic = grpc.method_handlers_generic_handler(
        SERVICE, {"Change": grpc.unary_unary_rpc_method_handler(change)}
    )
    app.add_service(SERVICE, lambda server: server.add_generic_rpc_handlers((generic,)))
    app.on_startup(start_events)
    app.on_shutdown(bus.close)
    app.add_background_task("outbox-relay", relay.run)
    app.add_background_task("consumer", consumer.run)

    port = await app.start()
    try:
        async with channel(f"127.0.0.1:{port}") as ch:
            event_id = (await ch.unary_unary(f"/{SERVICE}/Change")(b"sku-1")).decode()
        assert await asyncio.wait_for(handled.get(), 10) == event_id
        await asyncio.wait_for(_span_named(spans, f"process {subject}"), 5)
    finally:
        await app.stop(grace=0)

    finished = spans.get_finished_spans()
    [client] = [s for s in finished if s.kind == CLIENT and s.name == f"/{SERVICE}/Change"]
    one_trace = [s for s in finished if s.context.trace_id == client.context.trace_id]
    [server] = [s for s in one_trace if s.kind == SERVER]
    [producer] = [s for s in one_trace if s.kind == PRODUCER]
    [handler] = [s for s in one_trace if s.kind == CONSUMER]
    assert producer.attributes["messaging.message.id"] == event_id
    assert handler.attributes["messaging.message.id"] == event_id
    chain = _ancestors(handler, one_trace)
    assert chain[0] == producer.context.span_id
    assert server.context.span_id in chain
    assert chain[-1] == client.context.span_id


def _ancestors(span, spans) -> list[int]:
    """Span ids from the span's parent up to the root."""
    by_id = {s.context.span_id: s for s in spans}
    chain = []
    while span is not None and span.parent is not None:
        chain.append(span.parent.span_id)
        span = by_id.get(span.parent.span_id)
    return chain


async def _span_named(spans: InMemorySpanExporter, name: str) -> None:
    while True:
        if any(s.name == name for s in spans.get_finished_spans()):
            return
        await asyncio.sleep(0.05)
