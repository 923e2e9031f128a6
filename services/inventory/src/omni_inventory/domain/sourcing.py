"""Choosing where order lines ship from: fewest shipments, then the nearest location."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    location_id: str
    code: str
    distance_km: float
    available: dict[str, int]


@dataclass
class Plan:
    shipments: list[tuple[Source, dict[str, int]]] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    shortfalls: dict[str, int] = field(default_factory=dict)


def _where(source: Source) -> str:
    return f"{source.code} ({source.distance_km:.1f} km)" if source.distance_km else source.code


def select(
    needs: Sequence[tuple[str, int]], sources: Sequence[Source], *, allow_split: bool
) -> Plan:
    """Greedy: take the location that covers the most still-needed units (nearest on a tie)
    until every unit is placed or no location can add any. A line is split over locations
    only when allowed."""
    missing: dict[str, int] = {}
    for sku, quantity in needs:
        missing[sku] = missing.get(sku, 0) + quantity
    plan = Plan()
    left = {source.location_id: dict(source.available) for source in sources}
    while any(missing.values()):
        best: Source | None = None
        best_take: dict[str, int] = {}
        for source in sorted(sources, key=lambda s: (s.distance_km, s.code)):
            take = _can_take(missing, left[source.location_id], allow_split)
            if sum(take.values()) > sum(best_take.values()):
                best, best_take = source, take
        if best is None:
            break
        for sku, units in best_take.items():
            missing[sku] -= units
            left[best.location_id][sku] -= units
        plan.shipments.append((best, best_take))
        units = sum(best_take.values())
        if not plan.explanations and not any(missing.values()):
            plan.explanations.append(
                f"{_where(best)}: has all {units} units; one shipment from the nearest location "
                "that has everything"
            )
        else:
            plan.explanations.append(
                f"{_where(best)}: {units} units ({', '.join(sorted(best_take))}); covers the most "
                "of what is still missing"
            )
    plan.shortfalls = {sku: units for sku, units in missing.items() if units}
    for sku, units in plan.shortfalls.items():
        plan.explanations.append(f"{sku}: {units} units cannot be sourced from any location")
    return plan


def _can_take(
    missing: dict[str, int], available: dict[str, int], allow_split: bool
) -> dict[str, int]:
    take = {}
    for sku, units in missing.items():
        have = available.get(sku, 0)
        if units and have >= units:
            take[sku] = units
        elif units and have > 0 and allow_split:
            take[sku] = have
    return take
