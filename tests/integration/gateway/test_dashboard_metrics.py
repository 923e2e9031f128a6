"""Every metric the dashboards and the PrometheusRule query is emitted: the stack runs a checkout
and a refused reservation, then each running process is scraped over HTTP (the gateway's own
metrics port, and the test process serving the five in-process services on one), and every
`omni_*` name in charts/omni/dashboards/*.json and the PrometheusRule template must be there."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client import start_http_server
from prometheus_client.parser import text_string_to_metric_families
from test_orders import cart_with_tee, check_out_tee, seed

from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.app import channel as grpc_channel
from omni_kit.localstack import free_port

CHART = Path(__file__).resolve().parents[3] / "charts" / "omni"
SOURCES = [
    *sorted((CHART / "dashboards").glob("*.json")),
    CHART / "templates" / "monitoring" / "prometheusrule.yaml",
]
GATEWAY_METRICS_PORT = free_port()


def referenced() -> set[str]:
    """Metric names: every query selects by namespace, so a name is followed by `{`."""
    return {
        name for path in SOURCES for name in re.findall(r"\bomni_[a-z_]+(?=\{)", path.read_text())
    }


def scrape(port: int) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


@pytest.fixture
def gateway_settings() -> dict[str, str]:
    return {"metrics_port": str(GATEWAY_METRICS_PORT)}


@pytest.fixture
def services_metrics_port() -> int:
    server, thread = start_http_server(0, addr="127.0.0.1")
    yield server.server_port
    server.shutdown()
    thread.join(5)


async def test_every_metric_the_dashboards_and_alerts_query_is_emitted(
    stack, services_metrics_port
):
    wanted = referenced()
    assert {"omni_http_requests_total", "omni_orders_total"} <= wanted  # the sources were read
    assert len(wanted) >= 9, wanted

    await seed(stack)  # 2 stores x 10 TEE-M
    anna, _ = await stack.customer("anna@example.com")
    await check_out_tee(stack, anna, "metrics-checkout")
    refused = await stack.http.post(
        f"/api/v1/carts/{(await cart_with_tee(stack, anna))['id']}/lines",
        json={"sku": "TEE-M", "quantity": 30},  # more than the 19 left, within the per-customer cap
        headers=anna,
    )
    assert refused.status_code == 409, refused.text
    # A store node reports once: its seconds-since-contact gauge is per store.
    async with grpc_channel(f"127.0.0.1:{stack.apps['order'].port}") as channel:
        await order_pb2_grpc.OrderServiceStub(channel).ReportStoreNodeStatus(
            order_pb2.ReportStoreNodeStatusRequest(store_id="loc_metrics", node_version="test")
        )

    deadline = time.monotonic() + 60  # gauges (lag, backlog) are set by background loops
    while True:
        scraped = [scrape(GATEWAY_METRICS_PORT), scrape(services_metrics_port)]
        emitted = {name for samples in scraped for name in samples}
        missing = wanted - emitted
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    assert not missing, f"queried but never emitted: {sorted(missing)}"

    gateway, services = scraped
    orders = services["omni_orders_total"]
    assert orders[(("channel", "web"),)] >= 1
    refusals = services["omni_reservations_refused_total"]
    assert sum(refusals.values()) >= 1
    http = gateway["omni_http_requests_total"]
    assert any(dict(labels).get("status_code") == "409" for labels in http), http
    assert any(dict(labels).get("path") == "/api/v1/orders" for labels in http), http
    # No label may be called `service`: the Prometheus Operator sets that target label itself.
    for samples in scraped:
        for name, series in samples.items():
            if name.startswith("omni_"):
                assert all("service" not in dict(labels) for labels in series), name
