"""One checkout, one trace: from the gateway through every gRPC call and every NATS hop to the
consumers that send the notification and write the customer's timeline."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from test_orders import check_out_tee, seed

from omni_kit.telemetry import add_span_exporter


def gateway_spans(path: Path, trace_id: str) -> list[dict]:
    spans = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [s for s in spans if s["context"]["trace_id"] == f"0x{trace_id}"]


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    """Before the stack: store clients report their commands to what was set up before them."""
    exporter = InMemorySpanExporter()
    add_span_exporter(exporter)
    return exporter


@pytest.mark.timeout(300)
async def test_a_checkout_is_one_trace_across_gateway_services_and_events(
    exporter: InMemorySpanExporter, stack, start_gateway, tmp_path: Path
):
    trace_file = tmp_path / "gateway-spans.jsonl"
    stack.http.base_url = start_gateway(
        **{f"{n}_addr": f"127.0.0.1:{a.port}" for n, a in stack.apps.items()},
        trace_file=str(trace_file),
    )
    await seed(stack)
    customer, _ = await stack.customer("trace@example.com")
    placed = await check_out_tee(stack, customer, "trace-1")
    order_id = placed.json()["id"]
    trace_id = placed.headers["x-trace-id"]

    def of_trace() -> list:
        return [
            s
            for s in exporter.get_finished_spans()
            if format(s.context.trace_id, "032x") == trace_id
        ]

    def consumed_by() -> set[str]:
        return {
            str(s.attributes.get("messaging.consumer.group.name"))
            for s in of_trace()
            if s.attributes.get("messaging.operation.type") == "process"
        }

    # The consumers run after the response: wait for the notification and the timeline.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        groups = consumed_by()
        if any(g.startswith("notification") for g in groups) and any(
            g.startswith("customer") for g in groups
        ):
            break
        await asyncio.sleep(0.2)

    spans = of_trace()
    names = {s.name for s in spans}
    for service in ("OrderService", "InventoryService", "CatalogService"):
        assert any(f".{service}/" in name for name in names), (service, sorted(names))
    # Store commands are spans of the trace too, under the call that made them.
    store_spans = [s for s in spans if s.attributes.get("db.system") == "mongodb"]
    by_id = {s.context.span_id: s for s in spans}
    databases = {str(s.attributes.get("db.name")) for s in store_spans}
    assert any(d.endswith("_order") for d in databases), databases
    assert any(d.endswith("_inventory") for d in databases), databases
    assert all(s.parent is not None and s.parent.span_id in by_id for s in store_spans)
    # The command's name only, never its documents (customer data)
    assert all(str(s.attributes.get("db.statement", "")).isidentifier() for s in store_spans)
    groups = consumed_by()
    assert any(g.startswith("notification") for g in groups), groups
    assert any(g.startswith("customer") for g in groups), groups

    # Searchable: the order's spans carry its id and channel.
    tagged = [s for s in spans if s.attributes.get("omni.order_id") == order_id]
    assert tagged, "no span carries the order id"
    assert any(s.attributes.get("omni.channel") == "web" for s in spans)
    assert any(s.attributes.get("omni.sku") for s in spans)

    # The gateway's own spans (exported to a file by its process) are the root of the trace.
    deadline = time.monotonic() + 10
    while not gateway_spans(trace_file, trace_id) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    roots = [s for s in gateway_spans(trace_file, trace_id) if s["parent_id"] is None]
    assert roots, "the gateway exported no root span for the request"
    assert "/api/v1/orders" in roots[0]["name"] or roots[0]["attributes"].get("http.route")
