"""Event lag under checkout load: from an order's confirmation to the notification about it
showing on the customer's timeline (order -> NATS -> notification sends -> NATS -> customer
timeline). Target: p99 <= 500 ms.

The lag of one order is the timeline entry's `created_at` minus the `occurred_at` of the
order's `omni.order.order.confirmed` event, both read from NATS by this process.
A/B: `make bench ab=main only=event_lag` (see ab.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Self

import nats
from checkout import CheckoutLoad
from harness.load import percentile
from harness.stack import Stack, local_stack, machine
from nats.aio.msg import Msg

from omni.customer.v1 import events_pb2 as customer_events
from omni.order.v1 import events_pb2 as order_events

AB_ENV = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
}
AB_TRACED = False
SETTLE_SECONDS = 30


@dataclass
class LagWatch:
    """Confirmations and the timeline entries about them, as they pass on one stack's NATS."""

    confirmed: dict[str, float] = field(default_factory=dict)
    published: dict[str, float] = field(default_factory=dict)  # when it reached NATS (here)
    shown: dict[str, float] = field(default_factory=dict)

    @classmethod
    async def on(cls, stack: Stack, exit_stack: AsyncExitStack) -> Self:
        watch = cls()
        nc = await nats.connect(stack.nats_url)
        exit_stack.push_async_callback(nc.drain)
        await nc.subscribe("omni.order.order.confirmed", cb=watch.on_confirmed)
        await nc.subscribe("omni.customer.timeline.entry_added", cb=watch.on_entry)
        return watch

    async def on_confirmed(self, msg: Msg) -> None:
        event = order_events.OrderConfirmed.FromString(msg.data)
        self.confirmed[event.order.id] = event.meta.occurred_at.ToDatetime().timestamp()
        self.published[event.order.id] = time.time()

    async def on_entry(self, msg: Msg) -> None:
        entry = customer_events.TimelineEntryAdded.FromString(msg.data).entry
        attributes = entry.attributes
        if (
            attributes.get("event_type") == "omni.order.order.confirmed"
            and attributes.get("status") == "sent"
            and attributes.get("subject_id")
        ):
            self.shown.setdefault(
                attributes["subject_id"], entry.created_at.ToDatetime().timestamp()
            )

    async def settled(self, seconds: float = SETTLE_SECONDS) -> None:
        """Until every confirmation seen is on the timeline (or `seconds` have passed)."""
        for _ in range(int(seconds * 10)):
            if self.confirmed.keys() <= self.shown.keys():
                return
            await asyncio.sleep(0.1)

    def reset(self) -> None:
        self.confirmed.clear()
        self.published.clear()
        self.shown.clear()

    def report(self) -> dict[str, Any]:
        lags = sorted(self.shown[o] - self.confirmed[o] for o in self.confirmed if o in self.shown)
        # The first hop alone: the order's commit to its event on NATS (the order's relay).
        relayed = sorted(self.published[o] - self.confirmed[o] for o in self.confirmed)
        return {
            "to_nats_p50_ms": _ms(statistics.median(relayed)) if relayed else None,
            "to_nats_p99_ms": _ms(percentile(relayed, 99)),
            "orders_confirmed": len(self.confirmed),
            "shown_on_timeline": len(lags),
            "lag_p50_ms": _ms(statistics.median(lags)) if lags else None,
            "lag_p95_ms": _ms(percentile(lags, 95)),
            "lag_p99_ms": _ms(percentile(lags, 99)),
            "lag_max_ms": _ms(lags[-1]) if lags else None,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


@dataclass
class LagUnderLoad:
    """An A/B side: checkout load in slices, each followed by the pipeline settling, so the
    next slice (on either stack) starts with no events of this one still in flight."""

    load: CheckoutLoad
    watch: LagWatch

    async def run_slice(self, seconds: float) -> None:
        await self.load.run_slice(seconds)
        await self.watch.settled()

    def reset(self) -> None:
        self.load.reset()
        self.watch.reset()

    def report(self) -> dict[str, Any]:
        return {**self.watch.report(), "checkout_load": self.load.report()}


async def ab_side(
    stack: Stack, args: argparse.Namespace, exit_stack: AsyncExitStack
) -> LagUnderLoad:
    watch = await LagWatch.on(stack, exit_stack)
    return LagUnderLoad(await CheckoutLoad.prepared(stack, args.clients, exit_stack), watch)


async def main(args: argparse.Namespace) -> dict[str, object]:
    with local_stack(**AB_ENV) as stack:
        async with AsyncExitStack() as exit_stack:
            side = await ab_side(stack, args, exit_stack)
            side.watch.reset()  # sign-ups and seeding are not checkout load
            await side.run_slice(args.seconds)
    return {
        "scenario": f"event lag: order confirmed -> on the timeline, {args.clients} customers "
        f"checking out for {args.seconds}s",
        **side.report(),
        "target": "lag p99 <= 500 ms",
        "machine": machine(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    result = asyncio.run(main(parser.parse_args()))
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
