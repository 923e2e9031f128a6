"""One trace from the gateway into the services: the gateway's span is the parent."""

from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from omni_kit.telemetry import add_span_exporter


async def test_service_spans_continue_the_gateway_trace(stack):
    exporter = InMemorySpanExporter()
    add_span_exporter(exporter)
    visitor = (await stack.http.post("/api/v1/auth/anonymous")).json()
    reply = await stack.http.get(
        "/api/v1/carts/current", headers={"Authorization": f"Bearer {visitor['access_token']}"}
    )
    assert reply.status_code == 200
    trace_id = reply.headers["x-trace-id"]

    server_spans = [
        span
        for span in exporter.get_finished_spans()
        if span.name.endswith("OrderService/GetOrCreateCart")
    ]
    assert server_spans, [s.name for s in exporter.get_finished_spans()]
    span = server_spans[-1]
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None and span.parent.is_remote  # the gateway's client span
