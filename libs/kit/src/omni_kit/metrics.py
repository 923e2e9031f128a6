"""Prometheus metrics shared by every service (RED per RPC, events, outbox, business counters).

The service is named by `omni_service`, never `service`: the Prometheus Operator gives every
scraped series a `service` target label (the Kubernetes Service), which would push ours aside
as `exported_service`."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

SERVICE = "omni_service"
# prometheus_client's multiprocess mode: set before a worker process imports it, every metric of
# that process is kept in files in this folder, read together by one server.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

RPC_REQUESTS = Counter("omni_rpc_requests", "gRPC requests handled", [SERVICE, "method", "code"])
RPC_DURATION = Histogram(
    "omni_rpc_duration_seconds",
    "gRPC handling time",
    [SERVICE, "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RPC_REFUSALS = Counter(
    "omni_rpc_refusals",
    "Requests refused by a domain rule, by reason (e.g. INSUFFICIENT_STOCK)",
    [SERVICE, "method", "reason"],
)
# Business counters of the order and inventory services live beside their code
# (omni_order.metrics, omni_inventory.metrics); every event is also counted here by subject.
EVENTS_PUBLISHED = Counter(
    "omni_events_published", "Events published", [SERVICE, "subject", "channel"]
)
EVENTS_HANDLED = Counter(
    "omni_events_handled", "Events handled by consumers", [SERVICE, "consumer", "outcome"]
)
CONSUMER_REDELIVERIES = Counter(
    "omni_consumer_redeliveries", "Redelivered events seen by consumers", [SERVICE, "consumer"]
)
CONSUMER_LAG = Gauge("omni_consumer_lag", "Pending messages per consumer", [SERVICE, "consumer"])
OUTBOX_BACKLOG = Gauge("omni_outbox_backlog", "Events committed but not yet published", [SERVICE])
OUTBOX_OLDEST = Gauge(
    "omni_outbox_oldest_seconds",
    "Age of the oldest event committed but not yet published (0 when none waits)",
    [SERVICE],
)
DEAD_LETTERS = Gauge(
    "omni_dead_letters",
    "Events parked on omni.dlq.<consumer>, waiting to be replayed (omni events dead-letters)",
    [SERVICE, "consumer"],
)


def start_metrics_server(port: int, host: str = "0.0.0.0") -> None:
    if port:
        start_http_server(port, addr=host)


def start_multiprocess_metrics_server(path: str, port: int, host: str = "0.0.0.0") -> None:
    """Serve the metrics of every worker process writing to `path` (in their MULTIPROCESS_DIR)
    as one, from the process that supervises them."""
    if port:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
        start_http_server(port, addr=host, registry=registry)
