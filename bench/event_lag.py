"""Event lag under checkout load: from an order's confirmation to the notification about it
showing on the customer's timeline (order -> NATS -> notification sends -> NATS -> customer
timeline). Target: p99 <= 500 ms.

The lag of one order is the timeline entry's `created_at` minus the `occurred_at` of the
order's `omni.order.order.confirmed` event, both read from NATS by this process."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics

import nats
from checkout import steady
from harness.load import percentile
from harness.stack import local_stack, machine

from omni.customer.v1 import events_pb2 as customer_events
from omni.order.v1 import events_pb2 as order_events

UNLIMITED = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
}


async def main(args: argparse.Namespace) -> dict[str, object]:
    confirmed: dict[str, float] = {}
    shown: dict[str, float] = {}
    with local_stack(**UNLIMITED) as stack:
        nc = await nats.connect(stack.nats_url)

        async def on_confirmed(msg) -> None:
            event = order_events.OrderConfirmed.FromString(msg.data)
            confirmed[event.order.id] = event.meta.occurred_at.ToDatetime().timestamp()

        async def on_entry(msg) -> None:
            entry = customer_events.TimelineEntryAdded.FromString(msg.data).entry
            attributes = entry.attributes
            if (
                attributes.get("event_type") == "omni.order.order.confirmed"
                and attributes.get("status") == "sent"
                and attributes.get("subject_id")
            ):
                shown.setdefault(
                    attributes["subject_id"], entry.created_at.ToDatetime().timestamp()
                )

        await nc.subscribe("omni.order.order.confirmed", cb=on_confirmed)
        await nc.subscribe("omni.customer.timeline.entry_added", cb=on_entry)
        load = await steady(stack, args.seconds, args.clients)
        # Let the last confirmations through the pipeline before counting.
        for _ in range(60):
            if len(set(confirmed) & set(shown)) >= len(confirmed):
                break
            await asyncio.sleep(0.5)
        await nc.drain()
    lags = sorted(shown[o] - confirmed[o] for o in confirmed if o in shown)
    p99 = percentile(lags, 99)
    return {
        "scenario": f"event lag: order confirmed -> on the timeline, {args.clients} customers "
        f"checking out for {args.seconds}s",
        "orders_confirmed": len(confirmed),
        "shown_on_timeline": len(lags),
        "lag_p50_ms": round(statistics.median(lags) * 1000, 1) if lags else None,
        "lag_p99_ms": round(p99 * 1000, 1) if p99 is not None else None,
        "lag_max_ms": round(lags[-1] * 1000, 1) if lags else None,
        "checkout_load": load,
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
