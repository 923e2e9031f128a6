"""The order service's own Prometheus metrics (the kit's cover RPCs, events and the outbox)."""

from __future__ import annotations

from prometheus_client import Counter

# Exported as omni_order_sagas_failed_total; the chart's OmniOrderSagasFailed alert fires on it.
SAGAS_FAILED = Counter(
    "omni_order_sagas_failed",
    "Place-order sagas that gave up past their retry bound (order FAILED, stock and payment "
    "released), by the step they could not do",
    ["step"],
)
