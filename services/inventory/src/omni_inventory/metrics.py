"""The inventory service's own Prometheus metrics (the kit's cover RPCs, events and the outbox)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter

from omni.inventory.v1 import inventory_pb2
from omni_kit.errors import DomainError

# omni_reservations_refused_total: reservations refused because not enough stock was available
# (never oversold), by kind (cart_hold, order) and reason (INSUFFICIENT_STOCK, ...); the chart's
# dashboards show it per minute.
RESERVATIONS_REFUSED = Counter(
    "omni_reservations_refused",
    "Stock reservations refused for want of stock, by kind and reason",
    ["kind", "reason"],
)


def _kind_name(kind: inventory_pb2.ReservationKind.ValueType) -> str:
    return inventory_pb2.ReservationKind.Name(kind).removeprefix("RESERVATION_KIND_").lower()


@contextmanager
def refusals_counted(kind: inventory_pb2.ReservationKind.ValueType) -> Iterator[None]:
    """Count a reservation refused for want of stock raised inside (and let it through)."""
    try:
        yield
    except DomainError as error:
        if error.reason.startswith("INSUFFICIENT_STOCK"):
            RESERVATIONS_REFUSED.labels(kind=_kind_name(kind), reason=error.reason).inc()
        raise


# Every known series exists from the start at 0, so rate() sees the first refusal.
for _kind in inventory_pb2.ReservationKind.values():
    if _kind:
        for _reason in ("INSUFFICIENT_STOCK", "INSUFFICIENT_STOCK_AT_ONE_LOCATION"):
            RESERVATIONS_REFUSED.labels(kind=_kind_name(_kind), reason=_reason)
